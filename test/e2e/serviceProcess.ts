import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { FAST_DISPATCH } from './disbursement.js';
import { API_TOKENS, eventually, LOOPBACK_DFSPS, TEST_SECRETS_KEY } from './support.js';

/**
 * The whole service (every role) in its own process on a Postgres database, as `npm start` runs
 * it, so a test can kill it with SIGKILL and start it again on the same port.
 */
export interface ServiceProcess {
  readonly baseUrl: string;
  /** Starts it (again), with `env` added for this run; resolves once `/readyz` answers 200. */
  start(env?: Record<string, string>): Promise<void>;
  /** SIGKILL, and waits for the process to be gone. */
  kill(): Promise<void>;
}

export function serviceProcess(databaseUrl: string, port: number): ServiceProcess {
  const baseUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  return {
    baseUrl,
    async start(env = {}) {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: {
          ...process.env,
          ...FAST_DISPATCH,
          ...LOOPBACK_DFSPS,
          DATABASE_URL: databaseUrl,
          SECRETS_KEY: TEST_SECRETS_KEY,
          PORT: String(port),
          HOST: '127.0.0.1',
          API_TOKENS,
          LOG_LEVEL: 'warn',
          ...env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await eventually(async () => {
        try {
          return (await fetch(`${baseUrl}/readyz`)).status === 200;
        } catch {
          return false;
        }
      }, 'the service ready');
    },
    async kill() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
  };
}
