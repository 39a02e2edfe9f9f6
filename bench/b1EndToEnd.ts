/**
 * B1 (and B5) end to end: the service in its own process and three DFSP simulator processes
 * without faults; one batch loaded, submitted and approved over the HTTP API; measured from the
 * approval to every payment succeeded and projected (the batch summary says so). Also the
 * service's peak resident memory (Linux VmHWM). `--embedded` runs the service on PGlite (B5).
 * `--protocol mpesa-b2c` pays every payment to wallets through one M-Pesa B2C simulator with the
 * `mpesa-b2c` profile: one request per payment, each result a callback of its own.
 *
 * `--profile DIR` writes the service's CPU profile (`--cpu-prof`) to DIR when it stops: open it
 * in Chrome's DevTools or speedscope to see where its time went. `--heap-mib N` sets the
 * service's heap ceiling (default 384, as in the Dockerfile; 0: Node's default).
 *
 *   npx tsx bench/b1EndToEnd.ts [--payments 100000] [--embedded] [--protocol mpesa-b2c]
 *     [--profile DIR] [--heap-mib 384]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  type BatchSummary,
  createClient,
  DEMO_CONSUMER_KEY,
  DEMO_DFSPS,
  type DemoDfsp,
  finalCount,
  loadBatch,
  PEOPLE,
  publishRules,
  type Role,
  registerDfsp,
} from '../src/demo/demoProgramme.js';
import { freePort } from '../test/support/freePort.js';
import { createBenchDatabase, printTable, writeResult } from './benchSupport.js';
import { isMain, type Scenario, type ScenarioResult } from './scenario.js';

export interface EndToEndOptions {
  readonly payments: number;
  /** PGlite in a temporary DATA_DIR instead of the local Postgres (B5). */
  readonly embedded: boolean;
  /** G2P Connect to three DFSPs (default), or M-Pesa B2C to one. */
  readonly protocol?: 'g2p-connect' | 'mpesa-b2c';
  /** Where to write the service's CPU profile; none when absent. */
  readonly profileDir?: string;
  /** The service's V8 heap ceiling in MiB; default {@link SERVICE_HEAP_MIB}, 0 for Node's own. */
  readonly heapMiB?: number;
}

/**
 * The service runs with the heap ceiling the Dockerfile gives it (`NODE_OPTIONS`). Without one,
 * Node sizes its heap to the machine (24 GiB here) and lets garbage grow to about 800 MiB between
 * collections under this load: RSS then measures the collector's patience, not what is held.
 */
const SERVICE_HEAP_MIB = 384;

/** One M-Pesa B2C provider takes every payment. */
const MPESA_DFSPS: readonly DemoDfsp[] = [
  { dfspId: 'mobile-money', name: 'Mobile Money', faTypes: ['mobile'], protocol: 'mpesa-b2c' },
];
const MPESA_RULES = [{ id: 'wallets', when: {}, route: [{ dfspId: 'mobile-money', weight: 1 }] }];

/** Settings of the service under load: larger projection batches and DFSP requests. */
const SERVICE_SETTINGS = {
  // The DFSP simulators listen on plain http on loopback.
  ALLOW_INSECURE_DFSP_URLS: 'true',
  DFSP_HOST_ALLOWLIST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  PROJECTION_BATCH_SIZE: '2000',
  DISPATCH_CONCURRENCY: '4',
  STATUS_POLL_AFTER_MS: '60000',
} as const;
const MAX_BATCH_SIZE = 1_000;
const POLL_MS = 250;
const SETTLE_TIMEOUT_MS = 10 * 60_000;
const TARGETS = { paymentsPerSecond: 5_000, peakRssMiB: 512 };

/** Runs B1 (or B5 with `embedded`); prints a table and writes the JSON result. */
export async function endToEnd(options: EndToEndOptions): Promise<ScenarioResult> {
  const mpesa = options.protocol === 'mpesa-b2c';
  const scenario = options.embedded ? 'b5-embedded' : mpesa ? 'b1-mpesa-b2c' : 'b1-end-to-end';
  const children: ChildProcess[] = [];
  const database = options.embedded ? undefined : await createBenchDatabase();
  const dataDir = options.embedded ? await mkdtemp(path.join(tmpdir(), 'g2p-bench-')) : undefined;
  try {
    const port = await freePort();
    const serviceUrl = `http://127.0.0.1:${port}`;
    const tokens = Object.fromEntries(
      Object.keys(PEOPLE).map((role) => [role, randomBytes(18).toString('base64url')]),
    ) as Record<Role, string>;
    const heapMiB = options.heapMiB ?? SERVICE_HEAP_MIB;
    const nodeArgs = [
      ...(heapMiB > 0 ? [`--max-old-space-size=${heapMiB}`] : []),
      ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
    ];
    const service = spawnNode('src/main.ts', [], nodeArgs, {
      ...SERVICE_SETTINGS,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_TOKENS: Object.entries(tokens)
        .map(([role, token]) => `${token}=${PEOPLE[role as Role]}:${role}`)
        .join(','),
      ...(database
        ? { DATABASE_URL: database.url, SECRETS_KEY: randomBytes(32).toString('base64') }
        : { DATA_DIR: dataDir ?? '' }),
    });
    children.push(service);
    await waitReady(serviceUrl);
    const api = createClient(serviceUrl, tokens, new AbortController().signal);

    const dfsps = mpesa
      ? MPESA_DFSPS
      : DEMO_DFSPS.map((dfsp) => ({ ...dfsp, protocol: 'g2p-connect' as const }));
    for (const dfsp of dfsps) {
      const secret = randomBytes(24).toString('base64url');
      const consumerSecret = randomBytes(24).toString('base64url');
      const callbackUrl = `${serviceUrl}/v1/dfsps/${dfsp.dfspId}/on-disburse`;
      const simulator = spawnNode(
        'src/simulator/main.ts',
        [
          ...['--port', '0', '--dfsp-id', dfsp.dfspId, '--callback-url', callbackUrl],
          ...['--protocol', dfsp.protocol, '--consumer-key', DEMO_CONSUMER_KEY],
        ],
        [],
        {
          LOG_LEVEL: 'info',
          DFSP_SIMULATOR_SECRET: secret,
          DFSP_SIMULATOR_CONSUMER_SECRET: consumerSecret,
        },
      );
      children.push(simulator);
      const url = await simulatorUrl(simulator);
      await registerDfsp(api, dfsp, url, secret, MAX_BATCH_SIZE, consumerSecret);
    }
    await publishRules(api, ...(mpesa ? [MPESA_RULES] : []));
    const loadStarted = performance.now();
    const { batchId } = await loadBatch(api, options.payments, mpesa ? 'only' : 'some');
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const approved = performance.now();
    await api('approver', 'POST', `/v1/batches/${batchId}/approve`, 204);
    let summary: BatchSummary | undefined;
    for (;;) {
      summary = await api<BatchSummary>('reporter', 'GET', `/v1/batches/${batchId}`, 200);
      if (finalCount(summary) === options.payments) break;
      if (performance.now() - approved > SETTLE_TIMEOUT_MS) {
        throw new Error(
          `not final after ${SETTLE_TIMEOUT_MS} ms: ${JSON.stringify(summary.byStatus)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const seconds = (performance.now() - approved) / 1000;
    const succeeded = summary.byStatus.succeeded?.count ?? 0;
    const rate = options.payments / seconds;
    const peakRssMiB = await peakRss(service);

    printTable([
      ['scenario', 'payments', 'store', 'load s', 'settle s', 'payments/s', 'peak RSS MiB'],
      [
        `${scenario} (${mpesa ? 'M-Pesa B2C, 1 a request' : 'G2P Connect'})`,
        options.payments.toLocaleString('en'),
        options.embedded ? 'PGlite' : 'Postgres',
        loadSeconds.toFixed(1),
        seconds.toFixed(1),
        Math.round(rate).toLocaleString('en'),
        String(peakRssMiB),
      ],
    ]);
    const resultFile = await writeResult(scenario, {
      parameters: { ...options, heapMiB, maxBatchSize: MAX_BATCH_SIZE, service: SERVICE_SETTINGS },
      loadSeconds,
      settleSeconds: seconds,
      succeeded,
      paymentsPerSecond: rate,
      peakRssMiB,
    });
    const store = options.embedded ? ' (PGlite)' : '';
    return {
      scenario,
      resultFile,
      figures: [
        {
          name: `payments/s, approval to all final${store}`,
          value: Math.round(rate).toLocaleString('en'),
          target: options.embedded ? '' : `≥ ${TARGETS.paymentsPerSecond.toLocaleString('en')}`,
          ...(options.embedded ? {} : { met: rate >= TARGETS.paymentsPerSecond }),
        },
        {
          name: `service peak RSS MiB${store}`,
          value: String(peakRssMiB),
          target: options.embedded ? '' : `≤ ${TARGETS.peakRssMiB}`,
          ...(options.embedded ? {} : { met: peakRssMiB <= TARGETS.peakRssMiB }),
        },
      ],
    };
  } finally {
    await Promise.all(children.map(stop));
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs a TypeScript entry point of this repository in its own Node process. */
function spawnNode(
  entry: string,
  args: readonly string[],
  nodeArgs: readonly string[],
  env: Readonly<Record<string, string>>,
): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The URL a simulator logs once it listens. */
function simulatorUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'dfsp simulator listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the service did not get ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The process's peak resident set (Linux `VmHWM`), in MiB; -1 where /proc has none. */
async function peakRss(child: ChildProcess): Promise<number> {
  try {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? -1 : Math.round(Number(kib) / 1024);
  } catch {
    return -1;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** B1: 100,000 payments on the local Postgres. */
export const b1EndToEnd: Scenario = () => endToEnd({ payments: 100_000, embedded: false });
/** B1 through M-Pesa B2C (one request per payment), 20,000 payments on the local Postgres. */
export const b1Mpesa: Scenario = () =>
  endToEnd({ payments: 20_000, embedded: false, protocol: 'mpesa-b2c' });
/** B5: B1 with 20,000 payments on the embedded default (PGlite). */
export const b5Embedded: Scenario = () => endToEnd({ payments: 20_000, embedded: true });

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      payments: { type: 'string', default: '100000' },
      embedded: { type: 'boolean', default: false },
      protocol: { type: 'string', default: 'g2p-connect' },
      profile: { type: 'string' },
      'heap-mib': { type: 'string', default: String(SERVICE_HEAP_MIB) },
    },
  });
  const protocol = values.protocol === 'mpesa-b2c' ? 'mpesa-b2c' : 'g2p-connect';
  await endToEnd({
    payments: Number(values.payments),
    embedded: values.embedded,
    protocol,
    heapMiB: Number(values['heap-mib']),
    ...(values.profile === undefined ? {} : { profileDir: path.resolve(values.profile) }),
  });
}
