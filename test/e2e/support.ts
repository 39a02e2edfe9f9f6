import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { type Service, startService } from '../../src/service.js';
import { createScratchPostgres, databaseUrl } from '../support/databases.js';

/** One token per role, with a different person behind the operator and the approver. */
export const TOKENS = {
  admin: 'admin-token-0000000000000000',
  operator: 'operator-token-00000000000000',
  approver: 'approver-token-00000000000000',
  auditor: 'auditor-token-000000000000000',
  reporter: 'reporter-token-00000000000000',
  /** One person who may both submit and approve: only the four-eyes rule stops them. */
  operatorApprover: 'both-roles-token-000000000000',
  /** A programme system (OpenG2P) acting for CT-OVC through the G2P Bridge-compatible API. */
  programme: 'programme-token-0000000000000',
  /** Another programme system, acting for CT-EL only. */
  otherProgramme: 'other-programme-token-0000000',
  /** A programme system whose beneficiaries are resolved through an ID mapper (CT-MAP). */
  mappedProgramme: 'mapped-programme-token-000000',
} as const;

export const API_TOKENS = [
  `${TOKENS.admin}=ada:admin`,
  `${TOKENS.operator}=olive:operator`,
  `${TOKENS.approver}=abel:approver`,
  `${TOKENS.auditor}=audrey:auditor`,
  `${TOKENS.reporter}=rita:reporter`,
  `${TOKENS.operatorApprover}=olga:operator|approver`,
  `${TOKENS.programme}=ministry:programme@CT-OVC`,
  `${TOKENS.otherProgramme}=elders:programme@CT-EL`,
  `${TOKENS.mappedProgramme}=registry:programme@CT-MAP`,
].join(',');

/**
 * The master key of services started on Postgres in this test run (embedded ones make their own
 * in DATA_DIR): one per process, so a service restarted on the same database opens its secrets.
 */
export const TEST_SECRETS_KEY = randomBytes(32).toString('base64');

/** The whole service (every role) listening on a loopback port, as `npm start` runs it. */
export interface TestService extends Service {
  readonly baseUrl: string;
}

/** The DFSP URL policy for DFSPs simulated on this machine: plain http on loopback. */
export const LOOPBACK_DFSPS = {
  ALLOW_INSECURE_DFSP_URLS: 'true',
  DFSP_HOST_ALLOWLIST: '127.0.0.1,localhost,::1',
} as const;

/**
 * Starts the service on the given database, or on embedded PGlite in `DATA_DIR`. The listener
 * opens first, so `PUBLIC_URL` (where DFSPs call back) is its real loopback address; `env` may
 * set any other variable of config.ts (dispatcher timings, for instance). `logTo` takes the log
 * lines instead of stdout.
 */
export async function startTestService(
  env: { DATABASE_URL?: string; DATA_DIR?: string } & Record<string, string | undefined>,
  options: { readonly logTo?: { write(line: string): void } } = {},
): Promise<TestService> {
  let fetchHandler: Hono['fetch'] = () => new Response('starting', { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const listening = serve(
      { fetch: (...args) => fetchHandler(...args), port: 0, hostname: '127.0.0.1' },
      () => resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    PROJECTION_BATCH_SIZE: '500',
    PUBLIC_URL: baseUrl,
    // The DFSP simulators listen on plain http on loopback.
    ...LOOPBACK_DFSPS,
    ...(env.DATABASE_URL !== undefined && { SECRETS_KEY: TEST_SECRETS_KEY }),
    ...env,
  });
  const logger = createLogger(config.LOG_LEVEL, options.logTo);
  const service = await startService(config, API_TOKENS, logger);
  fetchHandler = service.app.fetch;
  return {
    ...service,
    baseUrl,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.stop();
    },
  };
}

/**
 * The service for a suite: on a scratch Postgres database when DATABASE_URL is set, else on
 * PGlite in a temporary DATA_DIR. `cleanup` stops it and drops or removes its data.
 */
export async function startSuiteService(
  env: Record<string, string> = {},
): Promise<{ service: TestService; cleanup: () => Promise<void> }> {
  if (databaseUrl) {
    const scratch = await createScratchPostgres();
    const service = await startTestService({ ...env, DATABASE_URL: scratch.url });
    return {
      service,
      async cleanup() {
        await service.stop();
        await scratch.drop();
      },
    };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'g2p-e2e-'));
  const service = await startTestService({ ...env, DATA_DIR: dataDir });
  return {
    service,
    async cleanup() {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type Role = keyof typeof TOKENS;

/** Anything the calls below can reach: a test service, or the service in a child process. */
export type Reachable = Pick<TestService, 'baseUrl'>;

/** A JSON call to the app as a role; answers status and parsed body. */
export async function call(
  service: Reachable,
  role: Role | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: {
      ...(role === undefined ? {} : { authorization: `Bearer ${TOKENS[role]}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Calls and expects a status, answering the body. */
export async function expectCall<T = Record<string, unknown>>(
  service: Reachable,
  role: Role,
  method: string,
  path: string,
  status: number,
  body?: unknown,
): Promise<T> {
  const result = await call(service, role, method, path, body);
  expect(result.status, `${method} ${path}: ${JSON.stringify(result.body)}`).toBe(status);
  return result.body as T;
}

/** Polls until `check` answers true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The position after the last event of the global feed: unchanged means nothing was appended. */
export async function feedHead(service: Reachable): Promise<string> {
  let after = '0';
  for (;;) {
    const page = await expectCall<{ events: unknown[]; next: string }>(
      service,
      'auditor',
      'GET',
      `/v1/events?after=${after}&limit=1000`,
      200,
    );
    if (page.events.length === 0) return after;
    after = page.next;
  }
}
