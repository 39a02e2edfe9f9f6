/**
 * B4 queries (issue 6): `GET /v1/payments/{id}` and `GET /v1/batches/{id}` on a read model of
 * 1,000,000 payments in 1,000 batches. The service runs in its own process (`ROLES=api`); the
 * load comes from this one, on random seeded ids. Per endpoint: the most requests a second
 * (autocannon, `connections` connections), then latency at a fixed 2,000 requests a second (a
 * paced open-loop client, see {@link pacedLoad}). Target: p99 ≤ 10 ms at ≥ 2,000 req/s. Each run
 * also reports the CPU a request cost in the service, in Postgres and in the load generator:
 * on a shared machine latency swings with the neighbours' load, CPU per request much less. The
 * harness floor, the same paced load against a server that does nothing, says how low a p99 this
 * machine can show at all while the scenario runs.
 *
 * The read model is seeded directly with SQL, not projected from events: these queries read
 * only the read-model tables, so how their rows came to be changes nothing that is measured,
 * and projecting 1,000,000 payments would take several minutes of the three this scenario has.
 *
 *   npx tsx bench/b4Queries.ts [--payments 1000000] [--duration 12] [--connections 32] [--cpu-prof]
 *
 * `--cpu-prof` runs the service under `node --cpu-prof` and keeps the profile in bench/results.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { optional } from '../src/domain/optional.js';
import { projections } from '../src/projections/projections.js';
import { openDatabase } from '../src/stores.js';
import { freePort } from '../test/support/freePort.js';
import { createBenchDatabase, printTable, writeResult } from './benchSupport.js';
import { isMain, type Scenario, type ScenarioResult } from './scenario.js';

export interface B4Options {
  readonly payments: number;
  /** Seconds of each measured run (each endpoint is warmed up before). */
  readonly durationS: number;
  /** Connections of the unthrottled (autocannon) runs. */
  readonly connections: number;
  /** Run the service under `node --cpu-prof`, the profile kept in bench/results. */
  readonly cpuProf: boolean;
}

const DEFAULTS: B4Options = { payments: 1_000_000, durationS: 12, connections: 32, cpuProf: false };
const PAYMENTS_PER_BATCH = 1_000;
/** The share of batches that are completed (every payment final); the rest are processing. */
const COMPLETED_SHARE = 0.9;
const TARGET_RATE = 2_000;
const TARGET_P99_MS = 10;
/** The most connections of the fixed-rate run; more than a handful open only in a stall. */
const RATE_CONNECTIONS = 64;
const WARM_UP_S = 3;
const READY_TIMEOUT_MS = 60_000;
/** A request of the fixed-rate run unanswered this long is abandoned and counted as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Seeded ids are ULIDs (Crockford base 32, 26 characters): a prefix, then the row's number. */
const PAYMENT_ID_PREFIX = '01JQ0P';
const BATCH_ID_PREFIX = '01JQ0B';
const seededId = (prefix: string, n: number) => `${prefix}${String(n).padStart(20, '0')}`;

export const b4Queries: Scenario = () => runB4(DEFAULTS);

/** Runs B4: seeds, starts the service, loads both endpoints, prints and writes the result. */
export async function runB4(options: B4Options): Promise<ScenarioResult> {
  const batches = Math.ceil(options.payments / PAYMENTS_PER_BATCH);
  const database = await createBenchDatabase();
  let service: ServerProcess | undefined;
  let stats: pg.Client | undefined;
  try {
    process.stdout.write(
      `B4 queries: seeding ${options.payments.toLocaleString('en')} payments ` +
        `in ${batches.toLocaleString('en')} batches\n`,
    );
    const seedStart = performance.now();
    await seedReadModel(database.url, options.payments, batches);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    process.stdout.write(`  seeded in ${seedSeconds.toFixed(1)} s (SQL, then VACUUM ANALYZE)\n`);

    const floor = await harnessFloor(options.durationS);
    process.stdout.write(`  harness floor (no-op server) at ${TARGET_RATE}/s ${describe(floor)}\n`);

    const token = randomBytes(18).toString('base64url');
    const profileDir = options.cpuProf ? path.join(ROOT, 'bench', 'results') : undefined;
    service = await startService(database.url, token, profileDir);
    stats = new pg.Client({ connectionString: database.url });
    await stats.connect();
    const meter = createCpuMeter(service.pid, stats);
    const endpoints = [
      {
        name: 'GET /v1/payments/{id}',
        path: (n: number) => `/v1/payments/${seededId(PAYMENT_ID_PREFIX, n)}`,
        count: options.payments,
      },
      {
        name: 'GET /v1/batches/{id}',
        path: (n: number) => `/v1/batches/${seededId(BATCH_ID_PREFIX, n)}`,
        count: batches,
      },
    ];
    const measured: EndpointResult[] = [];
    for (const endpoint of endpoints) {
      await checkAnswers(service.url, token, endpoint.path(endpoint.count));
      const load = { url: service.url, token, path: endpoint.path, count: endpoint.count };
      await autocannonLoad({ ...load, connections: options.connections, durationS: WARM_UP_S });
      const max = await meter.measure(() =>
        autocannonLoad({ ...load, connections: options.connections, durationS: options.durationS }),
      );
      const atRate = await meter.measure(() =>
        pacedLoad({
          ...load,
          connections: RATE_CONNECTIONS,
          durationS: options.durationS,
          rate: TARGET_RATE,
        }),
      );
      measured.push({ endpoint: endpoint.name, max, atRate });
      process.stdout.write(
        `  ${endpoint.name}: ${describe(max)}; at ${TARGET_RATE}/s ${describe(atRate)}\n`,
      );
    }
    const cpuProfile = await service.stop();
    service = undefined;

    process.stdout.write('\n');
    printTable([
      TABLE_HEADER,
      ...measured.flatMap((result) => [
        tableRow(result.endpoint, `${options.connections} connections`, result.max),
        tableRow('', `${TARGET_RATE.toLocaleString('en')}/s paced`, result.atRate),
      ]),
      tableRow('no-op server', `${TARGET_RATE.toLocaleString('en')}/s paced`, floor),
    ]);
    const figures = [
      ...measured.flatMap(figuresOf),
      {
        name: `harness floor: p99 at ${TARGET_RATE.toLocaleString('en')} req/s, no-op server`,
        value: `${floor.p99Ms} ms`,
        target: '',
      },
    ];
    const resultFile = await writeResult('b4-queries', {
      parameters: {
        payments: options.payments,
        batches,
        durationS: options.durationS,
        warmUpS: WARM_UP_S,
        connections: options.connections,
        rateConnections: RATE_CONNECTIONS,
        targetRate: TARGET_RATE,
        service: 'node --import tsx src/main.ts, ROLES=api LOG_LEVEL=warn, its own process',
        load: 'this process: autocannon (max), paced open-loop node:http client (fixed rate)',
        seeding: 'read model written directly with SQL (generate_series), then VACUUM ANALYZE',
      },
      seedSeconds,
      results: measured,
      harnessFloor: floor,
      ...optional('cpuProfile', cpuProfile),
      figures,
    });
    process.stdout.write(`result: ${resultFile}\n`);
    return { scenario: 'B4 queries', figures, resultFile };
  } finally {
    await stats?.end().catch(() => undefined);
    await service?.stop().catch(() => undefined);
    await database.drop();
  }
}

interface EndpointResult {
  readonly endpoint: string;
  readonly max: LoadResult;
  readonly atRate: LoadResult;
}

function figuresOf(result: EndpointResult) {
  const rate = TARGET_RATE.toLocaleString('en');
  return [
    {
      name: `${result.endpoint} max req/s`,
      value: Math.round(result.max.requestsPerSecond).toLocaleString('en'),
      target: `≥ ${rate}`,
      met: result.max.requestsPerSecond >= TARGET_RATE && result.max.failed === 0,
    },
    {
      name: `${result.endpoint} p99 at ${rate} req/s`,
      value: `${result.atRate.p99Ms} ms`,
      target: `≤ ${TARGET_P99_MS} ms`,
      met: result.atRate.p99Ms <= TARGET_P99_MS && result.atRate.failed === 0,
    },
  ];
}

function describe(result: LoadResult): string {
  const rate = Math.round(result.requestsPerSecond).toLocaleString('en');
  return `${rate} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`;
}

const TABLE_HEADER = [
  'endpoint',
  'run',
  'req/s',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'max ms',
  'failed',
  'CPU µs/req: service',
  'postgres',
  'load gen',
  'load avg',
];

function tableRow(endpoint: string, run: string, result: LoadResult): string[] {
  return [
    endpoint,
    run,
    Math.round(result.requestsPerSecond).toLocaleString('en'),
    String(result.p50Ms),
    String(result.p99Ms),
    String(result.p999Ms),
    String(result.maxMs),
    String(result.failed),
    String(result.cpu?.serviceUs ?? '-'),
    String(result.cpu?.postgresUs ?? '-'),
    String(result.cpu?.loadUs ?? '-'),
    result.loadAverage?.toFixed(1) ?? '-',
  ];
}

// ---------------------------------------------------------------------------------------------
// Seeding

/**
 * Migrates the database as the service does (`openDatabase`), then writes the read model in three
 * statements: payments from generate_series, their totals per (batch, DFSP, status,
 * reconciliation) grouped from them, the batches from the totals, so the three tables agree as
 * the projection keeps them. The projections' checkpoints are set at the head of the (empty)
 * event log, so a projector started on this database would find nothing to apply.
 */
async function seedReadModel(url: string, payments: number, batches: number) {
  const { sql: db } = await openDatabase(loadConfig({ DATABASE_URL: url }));
  try {
    const completedBatches = Math.floor(batches * COMPLETED_SHARE);
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL synchronous_commit = off');
      // A million rows take longer than the service's statement timeout on a busy machine.
      await tx.query('SET LOCAL statement_timeout = 0');
      await tx.query(SEED_PAYMENTS, [
        payments,
        PAYMENTS_PER_BATCH,
        completedBatches,
        PAYMENT_ID_PREFIX,
        BATCH_ID_PREFIX,
      ]);
      await tx.query(SEED_TOTALS);
      await tx.query(SEED_BATCHES, [completedBatches]);
      await tx.query(
        `INSERT INTO projection_checkpoints (projection, position)
         SELECT name, 0 FROM unnest($1::text[]) AS name`,
        [projections.map((projection) => projection.name)],
      );
    });
    // Hint bits and the visibility map are set now, not by the first measured reads.
    await db.execute('VACUUM (ANALYZE) payments, batches, batch_payment_totals');
  } finally {
    await db.close();
  }
}

/**
 * Payments, 1,000 a batch. Completed batches hold final payments (96 % succeeded, 3 % failed,
 * 0.5 % returned, 0.5 % cancelled), processing ones every status. DFSPs bank-a 40 %, bank-b
 * 30 %, mobile-money 30 % (none while pending or unroutable). Amounts 1,000 to 50,000 KES.
 */
const SEED_PAYMENTS = `
WITH s AS (
  SELECT i, (i - 1) / $2 + 1 AS b, (i * 2654435761) % 1000 AS h
  FROM generate_series(1, $1::bigint) AS i
), st AS (
  SELECT s.*, CASE
    WHEN b <= $3 THEN CASE WHEN h < 960 THEN 'succeeded' WHEN h < 990 THEN 'failed'
      WHEN h < 995 THEN 'returned' ELSE 'cancelled' END
    ELSE CASE WHEN h < 500 THEN 'succeeded' WHEN h < 700 THEN 'submitted'
      WHEN h < 900 THEN 'routed' WHEN h < 950 THEN 'pending' WHEN h < 970 THEN 'unroutable'
      ELSE 'failed' END
  END AS status
  FROM s
), d AS (
  SELECT st.*,
    CASE WHEN status IN ('pending', 'unroutable') THEN NULL
      WHEN i % 10 < 4 THEN 'bank-a' WHEN i % 10 < 7 THEN 'bank-b' ELSE 'mobile-money' END AS dfsp,
    timestamptz '2025-01-06 08:00:00+00' + b * interval '1 hour' AS created
  FROM st
)
INSERT INTO payments (payment_id, batch_id, reference, beneficiary_id, payee_fa, payee_name,
  amount_minor, currency, region, status, status_reason, dfsp_id, rule_id, rules_version,
  attempts, reconciliation, created_at, updated_at, purpose, succeeded_at)
SELECT
  $4 || lpad(i::text, 20, '0'),
  $5 || lpad(b::text, 20, '0'),
  'CT-' || lpad(b::text, 4, '0') || '-' || lpad(i::text, 7, '0'),
  'BEN-' || lpad((i % 800000)::text, 7, '0'),
  CASE WHEN dfsp = 'mobile-money'
    THEN 'wallet:+2547' || lpad((i % 100000000)::text, 8, '0') || '@mobile-money'
    ELSE 'account:' || lpad(i::text, 12, '0') || '@' || coalesce(dfsp, 'bank-a') END,
  'Beneficiary ' || i,
  100000 + (h * 4973 + i) % 4900000,
  'KES',
  (ARRAY['Nairobi', 'Mombasa', 'Kisumu', 'Nakuru', 'Turkana', 'Garissa'])[1 + i % 6],
  status,
  CASE status WHEN 'failed' THEN 'rjct.account.closed' WHEN 'unroutable' THEN 'no rule matches'
    WHEN 'cancelled' THEN 'beneficiary deceased' END,
  dfsp,
  CASE WHEN dfsp IS NOT NULL THEN 'rule-' || dfsp END,
  CASE WHEN dfsp IS NOT NULL THEN 3 END,
  CASE WHEN status IN ('submitted', 'succeeded', 'failed', 'returned') THEN 1 + (h % 7 = 0)::int
    ELSE 0 END,
  CASE WHEN status = 'returned' THEN 'matched'
    WHEN status = 'succeeded' AND b <= $3 - 50
      THEN CASE WHEN h % 97 = 0 THEN 'mismatched' ELSE 'matched' END
    ELSE 'unreconciled' END,
  created,
  created + (h + 60) * interval '1 second',
  'cash transfer',
  CASE WHEN status IN ('succeeded', 'returned') THEN created + (h + 30) * interval '1 second' END
FROM d`;

const SEED_TOTALS = `
INSERT INTO batch_payment_totals (batch_id, dfsp_id, status, reconciliation, count, amount_minor)
SELECT batch_id, coalesce(dfsp_id, ''), status, reconciliation, count(*), sum(amount_minor)
FROM payments GROUP BY 1, 2, 3, 4`;

const SEED_BATCHES = `
INSERT INTO batches (batch_id, program_id, cycle_id, currency, status, description,
  declared_count, declared_total_minor, received_count, received_total_minor, submitted_by,
  approved_by, created_at, updated_at)
SELECT batch_id, 'cash-transfer', 'cycle-' || n, 'KES',
  CASE WHEN n <= $1 THEN 'completed' ELSE 'processing' END,
  'Monthly cash transfer, cycle ' || n,
  count, total, count, total, 'operator-1', 'approver-1',
  timestamptz '2025-01-06 07:00:00+00' + n * interval '1 hour',
  timestamptz '2025-01-06 09:00:00+00' + n * interval '1 hour'
FROM (SELECT batch_id, right(batch_id, 20)::int AS n, sum(count)::int AS count,
        sum(amount_minor) AS total
      FROM batch_payment_totals GROUP BY batch_id) t`;

// ---------------------------------------------------------------------------------------------
// The service, in its own process

interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Stops it (SIGTERM, SIGKILL after a while); answers the CPU profile written, if any. */
  stop(): Promise<string | undefined>;
}

/** Starts `src/main.ts` with ROLES=api on a free loopback port and waits for /readyz. */
async function startService(
  databaseUrl: string,
  token: string,
  profileDir: string | undefined,
): Promise<ServerProcess> {
  const port = await freePort();
  const profile =
    profileDir === undefined
      ? undefined
      : path.join(profileDir, `b4-service-${Date.now()}.cpuprofile`);
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
  const profileArgs =
    profile === undefined
      ? []
      : [
          '--cpu-prof',
          `--cpu-prof-dir=${path.dirname(profile)}`,
          `--cpu-prof-name=${path.basename(profile)}`,
        ];
  const { EVENTSTORE_URL: _eventStore, PUBLIC_URL: _publicUrl, ...env } = process.env;
  return startServer([...profileArgs, '--import', 'tsx', 'src/main.ts'], port, '/readyz', {
    env: {
      ...env,
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      PORT: String(port),
      HOST: '127.0.0.1',
      API_TOKENS: `${token}=bench:reporter`,
      ROLES: 'api',
      LOG_LEVEL: 'warn',
    },
    profile,
  });
}

/**
 * A server that answers every request at once with a payment-sized JSON body, for the harness
 * floor: what the paced load measures on this machine when the service costs nothing.
 */
const NO_OP_SERVER = `
const body = JSON.stringify({ padding: 'x'.repeat(600) });
require('node:http')
  .createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  })
  .listen(Number(process.argv[1]), '127.0.0.1');`;

async function startNoOpServer(): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(['-e', NO_OP_SERVER, String(port)], port, '/', {});
}

/** Starts node with `args` in its own process and waits until `readyPath` answers 2xx. */
async function startServer(
  args: readonly string[],
  port: number,
  readyPath: string,
  options: { env?: NodeJS.ProcessEnv; profile?: string | undefined },
): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = keepTail(child);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    return options.profile;
  };
  try {
    await waitForReady(`${url}${readyPath}`, child, output);
    if (child.pid === undefined) throw new Error('the server has no pid');
    return { url, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The last few kilobytes the child wrote, to explain a failed start. */
function keepTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

async function waitForReady(readyUrl: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the server of ${readyUrl} exited (${child.exitCode}):\n${output()}`);
    }
    const ready = await fetch(readyUrl).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${readyUrl} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/**
 * The paced load against a server that costs nothing: the p99 this machine, its neighbours and
 * the load generator give on their own, below which no service can be measured here.
 */
async function harnessFloor(durationS: number): Promise<LoadResult> {
  const server = await startNoOpServer();
  try {
    const result = await pacedLoad({
      url: server.url,
      token: 'none',
      path: () => '/',
      count: 1,
      connections: RATE_CONNECTIONS,
      durationS,
      rate: TARGET_RATE,
    });
    return { ...result, loadAverage: os.loadavg()[0] };
  } finally {
    await server.stop();
  }
}

/** Before the load: the endpoint answers 200 with the seeded row it was asked for. */
async function checkAnswers(url: string, token: string, requestPath: string): Promise<void> {
  const response = await fetch(`${url}${requestPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = await response.text();
  const id = requestPath.split('/').at(-1) ?? '';
  if (response.status !== 200 || !body.includes(`"${id}"`)) {
    throw new Error(`GET ${requestPath} answered ${response.status}: ${body.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU per request, from /proc (Linux; elsewhere none is reported)

const CLOCK_TICKS_PER_S = 100;

/** Microseconds of CPU one request cost in each process over a run. */
interface CpuPerRequest {
  readonly serviceUs: number;
  /** The Postgres backends connected to the bench database. */
  readonly postgresUs: number;
  /** This process: the load generator. */
  readonly loadUs: number;
}

interface CpuSnapshot {
  readonly service: number;
  readonly postgres: ReadonlyMap<number, number>;
  readonly load: number;
}

function createCpuMeter(servicePid: number, stats: pg.Client) {
  const snapshot = async (): Promise<CpuSnapshot | undefined> => {
    const { rows } = await stats.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const service = await cpuSecondsOf(servicePid);
    if (service === undefined) return undefined;
    const postgres = new Map<number, number>();
    for (const { pid } of rows) postgres.set(pid, (await cpuSecondsOf(pid)) ?? 0);
    const own = process.cpuUsage();
    return { service, postgres, load: (own.user + own.system) / 1e6 };
  };
  const perRequest = (before: CpuSnapshot, after: CpuSnapshot, requests: number) => {
    let postgres = 0;
    // A backend opened during the run counts from its start; one closed during it is lost.
    for (const [pid, seconds] of after.postgres) {
      postgres += seconds - (before.postgres.get(pid) ?? 0);
    }
    const us = (seconds: number) => Math.round((seconds / requests) * 1e6);
    return {
      serviceUs: us(after.service - before.service),
      postgresUs: us(postgres),
      loadUs: us(after.load - before.load),
    };
  };
  return {
    /** Runs `load`, adding what its requests cost in CPU and the machine's load average. */
    async measure(load: () => Promise<LoadResult>): Promise<LoadResult> {
      const before = await snapshot();
      const result = await load();
      const after = await snapshot();
      const cpu =
        before === undefined || after === undefined || result.total === 0
          ? undefined
          : perRequest(before, after, result.total);
      return { ...result, cpu, loadAverage: os.loadavg()[0] };
    },
  };
}

/** User + system CPU seconds of a process, from /proc; undefined where there is none. */
async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // After "pid (command) " come the fields from the third (state); utime and stime are the
    // 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Load, from this process (the service runs in its own)

interface LoadOptions {
  readonly url: string;
  readonly token: string;
  /** The path of the n-th seeded row, n from 1 to count; each request draws n at random. */
  readonly path: (n: number) => string;
  readonly count: number;
  readonly connections: number;
  readonly durationS: number;
}

interface LoadResult {
  /** Answered with 2xx, a second. */
  readonly requestsPerSecond: number;
  /** Answered with 2xx. */
  readonly total: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** Answered with another status, errors and timeouts: must be 0. */
  readonly failed: number;
  readonly cpu?: CpuPerRequest | undefined;
  /** The machine's 1-minute load average at the end of the run: how busy the neighbours were. */
  readonly loadAverage?: number | undefined;
}

/** The part of autocannon 9's API used here (it ships no types). */
interface AutocannonRequest {
  path?: string;
}
interface AutocannonResult {
  readonly latency: { p50: number; p99: number; p99_9: number; max: number };
  readonly duration: number;
  readonly '2xx': number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  requests: { method: 'GET'; setupRequest: (request: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/**
 * As many requests as `connections` keep-alive connections carry, each sent when the previous
 * one on its connection is answered (closed loop): the most requests a second. Latencies in
 * whole milliseconds (autocannon's histogram).
 */
async function autocannonLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    headers: { authorization: `Bearer ${options.token}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          path: options.path(1 + Math.floor(Math.random() * options.count)),
        }),
      },
    ],
  });
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    total: result['2xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    maxMs: result.latency.max,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Requests at a fixed rate, open loop, as wrk2 sends them: request i is due at start + i / rate
 * and is sent then, on up to `connections` keep-alive connections (queued while all are busy),
 * whether or not earlier ones were answered. Its latency runs from when it was due, so a stall
 * of the service, or of this process, counts in full.
 *
 * Not autocannon's `overallRate`: autocannon 9 lets each connection send its share of a second
 * back to back from the start of the second, so the service sees bursts at full speed and then
 * silence, and its coordinated-omission correction takes the per-connection rate a second for
 * an interval in milliseconds, adding a sample for each millisecond of every answer. Against a
 * server that answers in 1 ms, 32 connections at 2,000/s came out at p99 42 ms, from 50,739
 * samples for 8,388 answers.
 */
async function pacedLoad(options: LoadOptions & { rate: number }): Promise<LoadResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const headers = { authorization: `Bearer ${options.token}` };
  const total = Math.round(options.rate * options.durationS);
  const latenciesMs = new Float64Array(total);
  let sent = 0;
  let answered = 0;
  let failed = 0;
  const start = performance.now();
  try {
    await new Promise<void>((resolve) => {
      const send = (index: number) => {
        const due = start + (index * 1000) / options.rate;
        const done = (ok: boolean) => {
          latenciesMs[index] = performance.now() - due;
          if (!ok) failed++;
          if (++answered === total) resolve();
        };
        const path = options.path(1 + Math.floor(Math.random() * options.count));
        const request = http.get({ agent, hostname, port, path, headers }, (response) => {
          response.resume();
          response.on('end', () => done(response.statusCode === 200));
        });
        request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy());
        request.on('error', () => done(false));
      };
      const tick = () => {
        const elapsedMs = performance.now() - start;
        const due = Math.min(total, Math.floor((elapsedMs * options.rate) / 1000) + 1);
        while (sent < due) send(sent++);
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  const sorted = latenciesMs.sort();
  const at = (quantile: number) =>
    Math.round((sorted[Math.min(total - 1, Math.floor(quantile * total))] ?? 0) * 10) / 10;
  return {
    requestsPerSecond: (total - failed) / seconds,
    total: total - failed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: at(1),
    failed,
  };
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      payments: { type: 'string', default: String(DEFAULTS.payments) },
      duration: { type: 'string', default: String(DEFAULTS.durationS) },
      connections: { type: 'string', default: String(DEFAULTS.connections) },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  await runB4({
    payments: Number(values.payments),
    durationS: Number(values.duration),
    connections: Number(values.connections),
    cpuProf: values['cpu-prof'],
  });
}
