import { z } from 'zod';

const rate = z.number().min(0).max(1);
const nonNegativeMs = z.number().int().min(0).max(86_400_000);

/** Simulated DFSP outage: starts `fromMs` after start-up and lasts `forMs`. */
export const downtimeSchema = z.strictObject({
  fromMs: nonNegativeMs,
  forMs: nonNegativeMs,
  /** `503`: answer 503 at once; `hang`: hold the request until the window ends, then 503. */
  mode: z.enum(['503', 'hang']),
});

/** The wire protocols the simulated DFSP can speak. */
export const simulatorProtocols = [
  'g2p-connect',
  'mpesa-b2c',
  'mojaloop-sdk',
  'iso20022-files',
] as const;
export type SimulatorProtocol = (typeof simulatorProtocols)[number];

/**
 * Everything a simulator run can be configured with; the CLI and `startSimulator` share it.
 * `callbackUrl` and `secret` are required for `g2p-connect` and unused by the others: M-Pesa
 * posts each result to the `ResultURL` its request named, unsigned, and the Mojaloop SDK answers
 * synchronously.
 */
export const simulatorOptionsSchema = z
  .strictObject({
    protocol: z.enum(simulatorProtocols).default('g2p-connect'),
    port: z.number().int().min(0).max(65_535).default(0),
    host: z.string().min(1).default('127.0.0.1'),
    /** This DFSP's id: `sender_id` of its G2P callbacks; names its statements' account. */
    dfspId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, . _ - only'),
    /** Where every on-disburse callback is POSTed (the ledger's `/v1/dfsps/{id}/on-disburse`). */
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** HMAC key shared with the ledger; never logged. */
    secret: z.string().min(16, 'at least 16 characters').optional(),
    /** mpesa-b2c: the Daraja app's consumer key and secret (`Basic` auth of the token call). */
    consumerKey: z
      .string()
      .regex(/^[^:\s]{1,200}$/, '1 to 200 characters, no colon or space')
      .default('simulator-consumer-key'),
    consumerSecret: z.string().min(1).max(200).default('simulator-consumer-secret'),
    /** mpesa-b2c: lifetime of an access token (Daraja: 3599, sent as `expires_in: "3599"`). */
    tokenLifetimeSeconds: z.number().int().min(1).max(86_400).default(3599),
    /**
     * Delay between the ACK and the decision + callback (mojaloop-sdk: before the synchronous
     * answer; mpesa-b2c status results wait `min`), drawn uniformly from [min, max].
     */
    latencyMs: z
      .strictObject({ min: nonNegativeMs, max: nonNegativeMs })
      .refine((r) => r.min <= r.max, 'min must not exceed max')
      .default({ min: 0, max: 0 }),
    rejectRate: rate.default(0),
    duplicateRate: rate.default(0),
    outOfOrderRate: rate.default(0),
    lostRate: rate.default(0),
    /** Extra hold-back of an out-of-order callback, so later ones overtake it. */
    outOfOrderDelayMs: nonNegativeMs.default(250),
    downtime: downtimeSchema.optional(),
    seed: z.number().int().default(1),
    maxDisbursementsPerRequest: z.number().int().min(1).max(100_000).default(10_000),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    /**
     * Callbacks scheduled or being delivered (mojaloop-sdk: transfers in flight); a request beyond
     * it is refused.
     */
    maxPendingCallbacks: z.number().int().min(1).max(1_000_000).default(1_000),
    /** References remembered for deduplication; a request beyond it is refused. */
    maxReferences: z.number().int().min(1).max(10_000_000).default(1_000_000),
    callbackMaxAttempts: z.number().int().min(1).max(20).default(5),
    /** First retry delay; doubled per attempt, capped at 30 s. */
    callbackBackoffMs: nonNegativeMs.default(200),
    callbackTimeoutMs: z.number().int().min(1).max(120_000).default(5_000),
    /**
     * Balance of the programme's funding account at start-up, a decimal string read in each
     * statement's currency (`1000000000.00` is KES 1,000,000,000.00 and JPY 1,000,000,000).
     */
    openingBalance: z
      .string()
      .regex(/^\d{1,13}(\.\d{1,3})?$/, 'a decimal string such as 1000000000.00')
      .default('1000000000.00'),
    /**
     * iso20022-files: the directory the bank's SFTP server serves; the ledger uploads pain.001
     * files to `outbox/` and collects the bank's answers from `inbox/`.
     */
    filesRoot: z.string().min(1).optional(),
    /**
     * iso20022-files: the bank's journal (JSON lines) of files taken and payments made, so a
     * restart never pays twice; `<files-root>/../bank-state/<basename>-journal.jsonl` when absent.
     */
    filesStateFile: z.string().min(1).optional(),
    /** iso20022-files: how often `outbox/` is read (and due answers written). */
    filesPollMs: z.number().int().min(10).max(60_000).default(200),
    /** iso20022-files: quiet time (no file taken or settled) after which a camt.053 is written. */
    statementAfterMs: nonNegativeMs.default(2_000),
    /** iso20022-files: a bigger pain.001 is refused unread (FF01). */
    filesMaxBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(32 * 1024 * 1024),
    /** iso20022-files: most transactions one outcome pain.002 lists; more go to further files. */
    filesMaxReportTxs: z.number().int().min(1).max(100_000).default(1_000),
  })
  .superRefine((options, ctx) => {
    if (options.protocol === 'iso20022-files' && options.filesRoot === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['filesRoot'],
        message: 'required for protocol iso20022-files',
      });
    }
    if (options.protocol !== 'g2p-connect') return;
    for (const key of ['callbackUrl', 'secret'] as const) {
      if (options[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'required for protocol g2p-connect' });
      }
    }
  });

/** Options as a caller writes them (defaults optional). */
export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
/** Options after validation, every default filled in. */
export type SimulatorConfig = z.output<typeof simulatorOptionsSchema>;

/** Where and how a g2p-connect run signs and sends its callbacks. */
export interface G2pCallbackTarget {
  callbackUrl: string;
  secret: string;
}

/** The callback target of a g2p-connect run; throws when the options lack one (schema broken). */
export function g2pCallbackTarget(config: SimulatorConfig): G2pCallbackTarget {
  const { callbackUrl, secret } = config;
  if (callbackUrl === undefined || secret === undefined) {
    throw new Error('g2p-connect simulator without callbackUrl or secret: options not validated');
  }
  return { callbackUrl, secret };
}
