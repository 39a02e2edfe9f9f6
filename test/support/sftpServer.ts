import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.js';

/**
 * A real OpenSSH sshd serving one folder over SFTP on a loopback port: what a bank's SFTP
 * server is to the `iso20022-files` connector. Each server has its own throw-away host key and
 * client key, and a configuration that allows only `internal-sftp`, chrooted to `root`, for the
 * throw-away user `scripts/sftp-test-server.sh` creates. It can be stopped (every session
 * killed) and started again on the same port and key, as a bank's server goes down and comes
 * back.
 */
export interface SftpServer {
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The host key's fingerprint, `SHA256:…`, to pin. */
  readonly hostKey: string;
  /** The client's private key (OpenSSH format). */
  readonly privateKey: string;
  /** The chroot on local disk: `/outbox` of the server is `${root}/outbox`. */
  readonly root: string;
  /** Stops the server and kills its sessions; `start` brings it back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folders. */
  close(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const USER = process.env.SFTP_TEST_USER ?? 'g2p-sftp';
const PASSWORD = process.env.SFTP_TEST_PASSWORD ?? 'throwaway-sftp-password';
const CHROOTS = '/run/g2p-sftp';

/**
 * Why SFTP tests cannot run here, or undefined when they can. On CI (`CI` set) a missing server
 * is a failure, not a skip: `.ci/run` prepares the machine.
 */
export function sftpUnavailable(): string | undefined {
  const why = !existsSync(SSHD)
    ? `${SSHD} is not installed`
    : process.getuid?.() !== 0
      ? 'sshd must be started as root'
      : !userExists(USER)
        ? `user ${USER} does not exist`
        : !existsSync(CHROOTS)
          ? `${CHROOTS} does not exist`
          : undefined;
  if (why !== undefined && process.env.CI) {
    throw new Error(`${why}: run scripts/sftp-test-server.sh (as .ci/run does)`);
  }
  return why === undefined ? undefined : `${why} (run: sudo bash scripts/sftp-test-server.sh)`;
}

/** Starts a server whose chroot holds `folders` (owned by the SFTP user, so it may write). */
export async function startSftpServer(
  folders: readonly string[] = ['outbox', 'inbox', 'inbox/processed'],
): Promise<SftpServer> {
  const config = await mkdtemp(path.join(tmpdir(), 'g2p-sshd-'));
  // sshd reads authorized_keys as the user logging in.
  await chmod(config, 0o755);
  const root = await mkdtemp(path.join(CHROOTS, 't-'));
  await chmod(root, 0o755);
  const { uid, gid } = userIds(USER);
  for (const folder of folders) {
    await mkdir(path.join(root, folder), { recursive: true });
    await chown(path.join(root, folder), uid, gid);
  }
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(path.join(config, 'host_key'));
  keygen(path.join(config, 'client_key'));
  await writeFile(
    path.join(config, 'authorized_keys'),
    await readFile(path.join(config, 'client_key.pub')),
  );
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', path.join(config, 'host_key.pub')])
    .toString()
    .split(' ')[1];
  if (fingerprint === undefined) throw new Error('no host key fingerprint');
  const port = await freePort();
  await writeFile(path.join(config, 'sshd_config'), sshdConfig(config, root, port));
  let sshd: ChildProcess | undefined;

  const server: SftpServer = {
    port,
    username: USER,
    password: PASSWORD,
    hostKey: fingerprint,
    privateKey: await readFile(path.join(config, 'client_key'), 'utf8'),
    root,
    async start() {
      if (sshd !== undefined) return;
      const child = spawn(SSHD, ['-D', '-e', '-f', path.join(config, 'sshd_config')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4_000);
      });
      sshd = child;
      await untilListening(port, () => (child.exitCode === null ? undefined : log));
    },
    async stop() {
      const child = sshd;
      sshd = undefined;
      if (child?.pid === undefined) return;
      const sessions = descendantsOf(child.pid);
      child.kill('SIGKILL');
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    },
    async close() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
      await rm(config, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function sshdConfig(config: string, root: string, port: number): string {
  return `Port ${port}
ListenAddress 127.0.0.1
HostKey ${path.join(config, 'host_key')}
PidFile none
AuthorizedKeysFile ${path.join(config, 'authorized_keys')}
StrictModes no
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers ${USER}
MaxStartups 100:30:200
MaxSessions 50
Subsystem sftp internal-sftp
Match User ${USER}
  ChrootDirectory ${root}
  ForceCommand internal-sftp
  AllowTcpForwarding no
  X11Forwarding no
`;
}

async function untilListening(port: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = exited();
    if (log !== undefined) throw new Error(`sshd exited: ${log}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd not listening on ${port} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every process below `pid` (sshd's per-connection children and theirs), from /proc. */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function userExists(name: string): boolean {
  try {
    userIds(name);
    return true;
  } catch {
    return false;
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid, gid };
}
