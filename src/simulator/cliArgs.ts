import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type SimulatorOptions, simulatorOptionsSchema } from './options.js';

/** Usage text, printed by `--help` and with a flag error. */
export const usage = `usage: npm run simulator -- [--protocol g2p-connect|mpesa-b2c|mojaloop-sdk|iso20022-files]
  --dfsp-id ID [--callback-url URL --secret SECRET]
  [--consumer-key KEY --consumer-secret SECRET --token-lifetime-seconds 3599]
  [--port 4001] [--host 127.0.0.1] [--latency-ms 50-200] [--reject-rate 0.05]
  [--duplicate-rate 0.1] [--out-of-order-rate 0.05] [--lost-rate 0.05]
  [--down-from-ms MS --down-for-ms MS --down-mode 503|hang] [--seed 1]
  [--max-disbursements 10000] [--max-pending-callbacks 1000]
  [--opening-balance 1000000000.00]
  [--files-root DIR [--files-state FILE] [--files-poll-ms 200] [--statement-after-ms 2000]
   [--files-max-bytes 33554432] [--files-report-max-txs 1000]] [--help]
--protocol (default g2p-connect) is what the DFSP speaks:
  g2p-connect   POST /disburse, /disburse/sync/txn/status; signed callbacks to --callback-url
                (--callback-url and --secret required; the secret may come from
                DFSP_SIMULATOR_SECRET instead).
  mpesa-b2c     Daraja: GET /oauth/v1/generate (Basic --consumer-key:--consumer-secret,
                defaults simulator-consumer-key / simulator-consumer-secret, or
                DFSP_SIMULATOR_CONSUMER_SECRET; each new token invalidates the previous one,
                lifetime --token-lifetime-seconds), POST /mpesa/b2c/v3/paymentrequest and
                /mpesa/transactionstatus/v1/query; unsigned results to each request's ResultURL.
  mojaloop-sdk  SDK outbound API: POST /transfers (synchronous, auto-accepting party and quote),
                GET /transfers/{transferId}; no callbacks.
  iso20022-files  A bank taking payment files, working on --files-root (the directory its SFTP
                server serves): takes pain.001.001.09 (or .03) files the ledger renames into
                outbox/ (moved to outbox/taken/), answers in inbox/ with pain.002.001.10 status
                reports, camt.054.001.08 debit notifications and, after --statement-after-ms of
                quiet, camt.053.001.08 statements. Its journal (--files-state, by default
                DIR/../bank-state/<DIR's name>-journal.jsonl) keeps it from paying twice across
                restarts. HTTP: GET /health, /ledger, /statements.
Faults: rates draw per payment from --seed. Latency delays each callback (mojaloop-sdk: the
answer); lost drops a callback (mojaloop-sdk: cuts the connection after paying); duplicate sends
a callback twice (no effect on mojaloop-sdk); out-of-order holds one back so later ones overtake.
--opening-balance is the funding account's balance at start-up, the same figure in every
currency, from which GET /statements?from&to&format=csv|mt940|camt053 counts its balances.`;

const flagNames = [
  'protocol',
  'consumer-key',
  'consumer-secret',
  'token-lifetime-seconds',
  'port',
  'host',
  'dfsp-id',
  'callback-url',
  'secret',
  'latency-ms',
  'reject-rate',
  'duplicate-rate',
  'out-of-order-rate',
  'lost-rate',
  'down-from-ms',
  'down-for-ms',
  'down-mode',
  'seed',
  'max-disbursements',
  'max-pending-callbacks',
  'opening-balance',
  'files-root',
  'files-state',
  'files-poll-ms',
  'statement-after-ms',
  'files-max-bytes',
  'files-report-max-txs',
] as const;

const numberText = (flag: string) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, `--${flag} must be a number`)
    .transform(Number);

const latencyText = z
  .string()
  .regex(/^\d+(-\d+)?$/, '--latency-ms must be MS or MIN-MAX, e.g. 50-200')
  .transform((text) => {
    const [min, max] = text.split('-').map(Number);
    return { min: min ?? 0, max: max ?? min ?? 0 };
  });

/** Whether the command line asks for the usage text. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/**
 * Turns command-line flags (and `DFSP_SIMULATOR_SECRET`, `DFSP_SIMULATOR_CONSUMER_SECRET`) into
 * validated simulator options.
 * Throws an Error whose message names the bad flag.
 */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): SimulatorOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(flagNames.map((name) => [name, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const text = (name: (typeof flagNames)[number]): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const num = (name: (typeof flagNames)[number]) => {
    const raw = text(name);
    return raw === undefined ? undefined : numberText(name).parse(raw);
  };

  const downFrom = num('down-from-ms');
  const downFor = num('down-for-ms');
  const downMode = text('down-mode');
  if ((downFrom === undefined) !== (downFor === undefined)) {
    throw new Error('--down-from-ms and --down-for-ms go together');
  }
  const latency = text('latency-ms');
  const candidate = {
    protocol: text('protocol'),
    consumerKey: text('consumer-key'),
    consumerSecret: text('consumer-secret') ?? env.DFSP_SIMULATOR_CONSUMER_SECRET,
    tokenLifetimeSeconds: num('token-lifetime-seconds'),
    port: num('port'),
    host: text('host'),
    dfspId: text('dfsp-id'),
    callbackUrl: text('callback-url'),
    secret: text('secret') ?? env.DFSP_SIMULATOR_SECRET,
    latencyMs: latency === undefined ? undefined : latencyText.parse(latency),
    rejectRate: num('reject-rate'),
    duplicateRate: num('duplicate-rate'),
    outOfOrderRate: num('out-of-order-rate'),
    lostRate: num('lost-rate'),
    downtime:
      downFrom === undefined || downFor === undefined
        ? undefined
        : { fromMs: downFrom, forMs: downFor, mode: downMode ?? '503' },
    seed: num('seed'),
    maxDisbursementsPerRequest: num('max-disbursements'),
    maxPendingCallbacks: num('max-pending-callbacks'),
    openingBalance: text('opening-balance'),
    filesRoot: text('files-root'),
    filesStateFile: text('files-state'),
    filesPollMs: num('files-poll-ms'),
    statementAfterMs: num('statement-after-ms'),
    filesMaxBytes: num('files-max-bytes'),
    filesMaxReportTxs: num('files-report-max-txs'),
  };
  const defined = Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined));
  return simulatorOptionsSchema.parse(defined);
}

/** A one-line-per-problem description of a flag error, without echoing the secret. */
export function describeCliError(error: unknown): string {
  if (error instanceof z.ZodError) {
    return error.issues
      .map((issue) => `--${flagOf(issue.path.map(String))}: ${issue.message}`)
      .join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}

function flagOf(path: readonly string[]): string {
  const [head, sub] = path;
  const byKey: Record<string, string> = {
    dfspId: 'dfsp-id',
    callbackUrl: 'callback-url',
    latencyMs: 'latency-ms',
    rejectRate: 'reject-rate',
    duplicateRate: 'duplicate-rate',
    outOfOrderRate: 'out-of-order-rate',
    lostRate: 'lost-rate',
    maxDisbursementsPerRequest: 'max-disbursements',
    maxPendingCallbacks: 'max-pending-callbacks',
    openingBalance: 'opening-balance',
    consumerKey: 'consumer-key',
    consumerSecret: 'consumer-secret',
    tokenLifetimeSeconds: 'token-lifetime-seconds',
    filesRoot: 'files-root',
    filesStateFile: 'files-state',
    filesPollMs: 'files-poll-ms',
    statementAfterMs: 'statement-after-ms',
    filesMaxBytes: 'files-max-bytes',
    filesMaxReportTxs: 'files-report-max-txs',
  };
  if (head === 'downtime') {
    return sub === 'mode' ? 'down-mode' : sub === 'forMs' ? 'down-for-ms' : 'down-from-ms';
  }
  return head === undefined ? '(flags)' : (byKey[head] ?? head);
}
