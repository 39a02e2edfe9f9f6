import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { abortableSleep } from '../application/abortableSleep.js';
import { createProgressBar } from '../progressBar.js';
import {
  type ApiCall,
  type BatchSummary,
  checkBooks,
  createClient,
  DEMO_CONSUMER_KEY,
  DEMO_CURRENCY,
  DEMO_DFSPS,
  finalCount,
  formatCount,
  formatMoney,
  loadBatch,
  PEOPLE,
  printSummary,
  publishRules,
  type Role,
  registerDfsp,
} from './demoProgramme.js';
import { reconcileStatements, type StatementSender } from './demoReconciliation.js';

/**
 * `npm run demo`: the service (embedded, in a temporary DATA_DIR) and three DFSP simulators as
 * child processes on free loopback ports; the DFSPs registered, rules published, a batch of
 * 10,000 KES payments loaded, submitted and approved by two different people; a progress bar
 * while the payments settle; then a summary per status and per DFSP, and a check that what the
 * simulators paid equals what the ledger holds as succeeded. Exits 0 when every payment is final
 * and the books agree, 1 otherwise, 130 on Ctrl-C; every child process is stopped in any case.
 */

const PAYMENT_COUNT = 10_000;
const START_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 10 * 60_000;
const POLL_INTERVAL_MS = 500;
const COMPLETION_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_LINES = 20;
const MAX_LOG_NOTES = 50;

/** Faults every simulator injects: some rejections, duplicate and lost callbacks, latency. */
const SIMULATOR_FAULTS = [
  ['--reject-rate', '0.02'],
  ['--duplicate-rate', '0.05'],
  ['--lost-rate', '0.02'],
  ['--latency-ms', '10-80'],
].flat();
/**
 * The Mojaloop SDK answers synchronously: a lost answer would leave its payment in doubt for
 * operators to resolve, which the demo does not stage.
 */
const SYNCHRONOUS_FAULTS = [
  ['--reject-rate', '0.02'],
  ['--latency-ms', '10-80'],
].flat();
const FAULTS_TEXT =
  '2 % rejected, 10-80 ms latency; callbacks of G2P Connect and M-Pesa: ' +
  '5 % duplicate, 2 % lost';

/** The statement format each DFSP sends, in turn. */
const STATEMENT_FORMATS = ['csv', 'mt940', 'camt053'] as const;

/**
 * Dispatcher timings for a demo: a lost callback is asked about after seconds, not minutes. The
 * DFSP time limit stays at 5 s: embedded PGlite runs its queries on the service's event loop, which
 * can keep an answer from being read for seconds during the fan-out.
 */
const DEMO_DISPATCH = {
  // M-Pesa and the Mojaloop SDK take one payment a request: more of them in flight per DFSP.
  DISPATCH_CONCURRENCY: '16',
  DFSP_TIMEOUT_MS: '5000',
  STATUS_POLL_AFTER_MS: '6000',
  STATUS_POLL_INTERVAL_MS: '1000',
  DISPATCH_RETRY_BASE_MS: '200',
  DISPATCH_RETRY_MAX_MS: '2000',
  CIRCUIT_COOLDOWN_MS: '2000',
};

/** The simulators listen on plain http on loopback: the service must be let reach them. */
const DEMO_DFSP_URLS = { ALLOW_INSECURE_DFSP_URLS: 'true', DFSP_HOST_ALLOWLIST: '127.0.0.1' };

/** Settings of the service and the simulator named in full. */
const CHILD_SETTING_NAMES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'EVENTSTORE_URL',
  'SECRETS_KEY',
  'SECRETS_KEY_FILE',
  'PUBLIC_URL',
  'API_TOKENS',
  'ROLES',
  'LOG_LEVEL',
  'PROJECTION_BATCH_SIZE',
  'SENDER_ID',
  'ALLOW_INSECURE_DFSP_URLS',
];
/** Settings of the service and the simulator named by prefix (`DISPATCH_RETRY_BASE_MS` …). */
const CHILD_SETTING_PREFIXES = ['DISPATCH_', 'DFSP_', 'CIRCUIT_', 'STATUS_POLL_'];
const CHILD_SETTING_PATTERNS = [
  ...CHILD_SETTING_NAMES,
  ...CHILD_SETTING_PREFIXES.map((prefix) => String.raw`${prefix}\w+`),
];
/** The service's and the simulator's own settings: never inherited from the demo's caller. */
const CHILD_SETTING = new RegExp(`^(${CHILD_SETTING_PATTERNS.join('|')})$`);

/** Ctrl-C or SIGTERM: the run stops, the children are stopped, the exit code is 130. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

async function main(): Promise<number> {
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) =>
    controller.abort(new Interrupted(`interrupted (${signal})`));
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const dataDir = await mkdtemp(join(tmpdir(), 'g2p-ledger-demo-'));
  const children: DemoChild[] = [];
  const notes = createLogNotes();
  try {
    return await runDemo({ controller, dataDir, children, notes });
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
    if (process.stdout.isTTY) process.stdout.write('\n'); // ends the progress bar's line
    process.stderr.write(`demo stopped: ${reason instanceof Error ? reason.message : reason}\n`);
    return reason instanceof Interrupted ? 130 : 1;
  } finally {
    process.stdout.write('stopping the service and the simulators…\n');
    for (const note of await Promise.all(children.map((child) => child.stop()))) {
      if (note !== undefined) process.stderr.write(`${note}\n`);
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface DemoRun {
  /** Aborted on Ctrl-C, or when a child exits on its own: every wait of the run then ends. */
  readonly controller: AbortController;
  readonly dataDir: string;
  /** Every child started, so that `main` stops them whatever happens. */
  readonly children: DemoChild[];
  readonly notes: LogNotes;
}

/** The demo, step by step; answers the exit code. */
async function runDemo(run: DemoRun): Promise<number> {
  const signal = run.controller.signal;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const start = (
    name: string,
    script: ChildScript,
    args: string[],
    env: Record<string, string>,
  ) => {
    const child = spawnChild(name, script, args, env, run.notes, (error) =>
      run.controller.abort(error),
    );
    run.children.push(child);
    return within(child.ready, START_TIMEOUT_MS, `${name} to start`, signal);
  };
  out(
    `g2p-ledger demo: ${formatCount(PAYMENT_COUNT)} ${DEMO_CURRENCY} payments, ` +
      '3 simulated DFSPs speaking 3 protocols',
  );
  out(`  data in ${run.dataDir} (removed at the end)`);

  const tokens = Object.fromEntries(
    Object.keys(PEOPLE).map((role) => [role, randomBytes(24).toString('base64url')]),
  ) as Record<Role, string>;
  const serviceUrl = await start('service', '../main.js', [], {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: run.dataDir,
    LOG_LEVEL: 'info',
    API_TOKENS: Object.entries(tokens)
      .map(([role, token]) => `${token}=${PEOPLE[role as Role]}:${role}`)
      .join(','),
    ...DEMO_DISPATCH,
    ...DEMO_DFSP_URLS,
  });
  const api = createClient(serviceUrl, tokens, signal);
  out(`  service       ${serviceUrl} (embedded PGlite)`);

  const simulatorUrls: string[] = [];
  const senders: StatementSender[] = [];
  for (const [index, dfsp] of DEMO_DFSPS.entries()) {
    const secret = randomBytes(24).toString('base64url');
    const consumerSecret = randomBytes(24).toString('base64url');
    const callbackUrl = `${serviceUrl}/v1/dfsps/${dfsp.dfspId}/on-disburse`;
    const url = await start(
      dfsp.dfspId,
      '../simulator/main.js',
      [
        ...['--port', '0', '--host', '127.0.0.1', '--dfsp-id', dfsp.dfspId],
        ...['--protocol', dfsp.protocol, '--consumer-key', DEMO_CONSUMER_KEY],
        ...['--callback-url', callbackUrl, '--seed', String(index + 1)],
        ...(dfsp.protocol === 'mojaloop-sdk' ? SYNCHRONOUS_FAULTS : SIMULATOR_FAULTS),
      ],
      // Secrets travel in the environment: command lines are visible to every local user.
      {
        LOG_LEVEL: 'info',
        DFSP_SIMULATOR_SECRET: secret,
        DFSP_SIMULATOR_CONSUMER_SECRET: consumerSecret,
      },
    );
    simulatorUrls.push(url);
    senders.push({
      dfspId: dfsp.dfspId,
      simulatorUrl: url,
      secret,
      format: STATEMENT_FORMATS[index % STATEMENT_FORMATS.length] ?? 'csv',
    });
    await registerDfsp(api, dfsp, url, secret, undefined, consumerSecret);
    out(`  ${dfsp.dfspId.padEnd(13)} ${url} (${dfsp.protocol}; ${dfsp.faTypes.join(', ')})`);
  }
  out(`  faults: ${FAULTS_TEXT}`);
  out(`  routing rules ${await publishRules(api)}`);

  const loadStartedMs = performance.now();
  const { batchId, totalMinor } = await loadBatch(api, PAYMENT_COUNT);
  const loadSeconds = ((performance.now() - loadStartedMs) / 1000).toFixed(1);
  out(
    `  batch ${batchId}: ${formatCount(PAYMENT_COUNT)} payments, ` +
      `${formatMoney(totalMinor)} ${DEMO_CURRENCY}`,
  );
  out(`    loaded and submitted by ${PEOPLE.operator} (operator) in ${loadSeconds} s`);
  const approvedMs = performance.now();
  await api('approver', 'POST', `/v1/batches/${batchId}/approve`, 204);
  out(`    approved by ${PEOPLE.approver} (approver)\n`);

  let settled = await settle(api, batchId, approvedMs, signal);
  if (settled.inDoubt.length > 0) {
    await resolveInDoubt(api, settled.inDoubt, simulatorUrls, out);
    settled = await settle(api, batchId, approvedMs, signal);
  }
  const { seconds } = settled;
  const final = finalCount(settled.summary);
  const summary = final === PAYMENT_COUNT ? await completed(api, batchId, signal) : settled.summary;
  if (final < PAYMENT_COUNT) {
    out(
      `\nnot final after ${seconds.toFixed(0)} s: ${formatCount(PAYMENT_COUNT - final)} payments`,
    );
  }
  printSummary(summary);
  if (final < PAYMENT_COUNT) {
    printLogNotes(run.notes);
    return 1;
  }
  const rate = Math.round(PAYMENT_COUNT / seconds);
  out(`\nsettled in ${seconds.toFixed(1)} s from approval to the last payment final: ${rate}/s`);
  const agree = await checkBooks(summary, simulatorUrls, signal);
  const reconciled = await reconcileStatements(serviceUrl, api, batchId, senders, signal);
  printLogNotes(run.notes);
  return agree && reconciled ? 0 : 1;
}

/** A payment left in doubt with a DFSP that cannot be asked about it. */
interface InDoubt {
  readonly paymentId: string;
  readonly dfspId: string;
}

/**
 * Polls the batch summary with a progress bar until every payment is succeeded or failed, or
 * every other one is in doubt with a DFSP that cannot be asked (the Mojaloop SDK's), or
 * SETTLE_TIMEOUT_MS after approval; answers the last summary, the seconds since approval and the
 * payments in doubt.
 */
async function settle(
  api: ApiCall,
  batchId: string,
  approvedMs: number,
  signal: AbortSignal,
): Promise<{
  readonly summary: BatchSummary;
  readonly seconds: number;
  readonly inDoubt: readonly InDoubt[];
}> {
  const bar = createProgressBar('settling');
  for (;;) {
    const summary = await api<BatchSummary>('reporter', 'GET', `/v1/batches/${batchId}`, 200);
    const final = finalCount(summary);
    const seconds = Math.max((performance.now() - approvedMs) / 1000, 0.001);
    const rate = Math.round(final / seconds);
    const text = `${formatCount(final)} / ${formatCount(PAYMENT_COUNT)} final, ${rate}/s`;
    const unsettled = PAYMENT_COUNT - final;
    const inDoubt =
      unsettled > 0 && unsettled <= MAX_IN_DOUBT ? await unaskableInDoubt(api, batchId) : [];
    const stuck = inDoubt.length > 0 && inDoubt.length === unsettled;
    if (final === PAYMENT_COUNT || stuck || seconds * 1000 > SETTLE_TIMEOUT_MS) {
      bar.finish(final / PAYMENT_COUNT, text);
      return { summary, seconds, inDoubt: stuck ? inDoubt : [] };
    }
    bar.update(final / PAYMENT_COUNT, text);
    await abortableSleep(POLL_INTERVAL_MS, signal);
    signal.throwIfAborted();
  }
}

/** At most this many payments in doubt are looked for (the demo resolves them one by one). */
const MAX_IN_DOUBT = 500;

/** Payments in doubt with a DFSP whose protocol cannot be asked about them. */
async function unaskableInDoubt(api: ApiCall, batchId: string): Promise<InDoubt[]> {
  const unaskable = new Set(
    DEMO_DFSPS.filter((dfsp) => dfsp.protocol === 'mojaloop-sdk').map((dfsp) => dfsp.dfspId),
  );
  const page = await api<{ items: { paymentId: string; dfspId: string }[] }>(
    'operator',
    'GET',
    `/v1/payments?batchId=${batchId}&status=submitted&inDoubt=true&limit=${MAX_IN_DOUBT}`,
    200,
  );
  return page.items.filter((item) => unaskable.has(item.dfspId));
}

/**
 * Resolves payments in doubt as operators would, four eyes: the operator reads the DFSP's own
 * records (the simulator's ledger stands for its statement or a ticket) and proposes the outcome
 * with that evidence; the approver confirms it.
 */
async function resolveInDoubt(
  api: ApiCall,
  inDoubt: readonly InDoubt[],
  simulatorUrls: readonly string[],
  out: (line: string) => void,
): Promise<void> {
  const paid = new Set<string>();
  for (const url of simulatorUrls) {
    const ledger = (await (await fetch(`${url}/ledger`)).json()) as {
      entries: { reference_id: string }[];
    };
    for (const entry of ledger.entries) paid.add(entry.reference_id);
  }
  out(
    `\n${formatCount(inDoubt.length)} payments in doubt (their answer came too late, and the ` +
      "Mojaloop SDK cannot be asked): resolved four eyes from the DFSP's own records",
  );
  for (const { paymentId, dfspId } of inDoubt) {
    const outcome = paid.has(paymentId) ? 'succeeded' : 'failed';
    const evidence = `${dfspId}'s ledger ${paid.has(paymentId) ? 'lists' : 'does not list'} it`;
    const path = `/v1/payments/${paymentId}/resolve`;
    await api('operator', 'POST', path, 200, { outcome, evidence });
    await api('approver', 'POST', path, 200, { outcome });
  }
}

/** The batch summary once the batch is `completed` (the service records it within seconds). */
async function completed(api: ApiCall, batchId: string, signal: AbortSignal) {
  const deadline = performance.now() + COMPLETION_TIMEOUT_MS;
  for (;;) {
    const summary = await api<BatchSummary>('reporter', 'GET', `/v1/batches/${batchId}`, 200);
    if (summary.status === 'completed' || performance.now() > deadline) return summary;
    await abortableSleep(POLL_INTERVAL_MS, signal);
    signal.throwIfAborted();
  }
}

/** What the children logged at warn level or above, counted by message. */
function printLogNotes(notes: LogNotes): void {
  const logged = notes.summary();
  process.stdout.write(
    logged.length === 0
      ? 'service and simulator logs: no warnings or errors\n'
      : `service and simulator logs, warnings and errors:\n${logged}\n`,
  );
}

/** `promise`, or a rejection after `timeoutMs` naming `what`, or the abort's reason. */
async function within<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
  signal: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`waited ${timeoutMs} ms for ${what}`)),
          timeoutMs,
        );
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** A child process of the demo: the service or a simulator. */
interface DemoChild {
  /** The URL its ready log line names. */
  readonly ready: Promise<string>;
  /** SIGTERM, then SIGKILL after a grace period; answers a note when it had to be killed. */
  stop(): Promise<string | undefined>;
}

/**
 * The JSON log line each child writes once it takes requests, and the field holding its URL (the
 * service's public URL is its bound address, since PUBLIC_URL is not passed on).
 */
const READY_LINES = {
  '../main.js': { msg: 'stores open', field: 'publicUrl' },
  '../simulator/main.js': { msg: 'dfsp simulator listening', field: 'url' },
} as const;
type ChildScript = keyof typeof READY_LINES;

/**
 * Runs `node <script> <args>` (a script of this build) with the caller's environment, less the
 * service's settings, plus `env`. Its JSON log lines on stdout are read for the ready line and
 * for warnings and errors (kept in `notes`); the tail of its stderr goes into the error when it
 * exits on its own, which is reported through `onExit`.
 */
function spawnChild(
  name: string,
  script: ChildScript,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  notes: LogNotes,
  onExit: (error: Error) => void,
): DemoChild {
  const inherited = Object.entries(process.env).filter(([key]) => !CHILD_SETTING.test(key));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--enable-source-maps', fileURLToPath(new URL(script, import.meta.url)), ...args],
    { env: { ...Object.fromEntries(inherited), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const readyLine = READY_LINES[script];
  const stderrTail: string[] = [];
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = parseLogLine(line);
      if (entry === undefined) return;
      const url = entry[readyLine.field];
      if (entry.msg === readyLine.msg && typeof url === 'string') resolve(url);
      notes.add(name, entry);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const tail = stderrTail.length > 0 ? `:\n${stderrTail.join('\n')}` : '';
      const error = new Error(`${name} exited (${signal ?? `code ${code}`})${tail}`);
      reject(error);
      if (!stopping) onExit(error);
    });
  });
  ready.catch(() => {}); // also reported through onExit; nobody may be waiting for it
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });
  return {
    ready,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<true>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
      });
      const killed = await Promise.race([exited.then(() => false), graceOver]);
      clearTimeout(timer);
      if (!killed) return undefined;
      child.kill('SIGKILL');
      await exited;
      return `${name} did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM: killed`;
    },
  };
}

type LogEntry = Readonly<Record<string, unknown>> & { readonly msg?: unknown };

function parseLogLine(line: string): LogEntry | undefined {
  try {
    const entry: unknown = JSON.parse(line);
    return typeof entry === 'object' && entry !== null ? (entry as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** Warnings and errors the children logged, counted by child, level and message. */
interface LogNotes {
  add(child: string, entry: LogEntry): void;
  /** One indented line per distinct message, or '' when there were none. */
  summary(): string;
}

const PINO_LEVELS: Readonly<Record<number, string>> = { 40: 'warn', 50: 'error', 60: 'fatal' };

function createLogNotes(): LogNotes {
  const counts = new Map<string, number>();
  let others = 0;
  return {
    add(child, entry) {
      const level = PINO_LEVELS[typeof entry.level === 'number' ? entry.level : 0];
      if (level === undefined) return;
      const key = `${child} ${level}: ${String(entry.msg)}`;
      if (counts.has(key) || counts.size < MAX_LOG_NOTES) {
        counts.set(key, (counts.get(key) ?? 0) + 1);
      } else {
        others += 1;
      }
    },
    summary() {
      const lines = [...counts].map(([key, n]) => `  ${String(n).padStart(6)} × ${key}`);
      if (others > 0) lines.push(`  ${String(others).padStart(6)} × other messages`);
      return lines.join('\n');
    },
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
