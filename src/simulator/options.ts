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

/** Everything a simulator run can be configured with; the CLI and `startSimulator` share it. */
export const simulatorOptionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** This DFSP's id: `sender_id` of its callbacks. */
  dfspId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, . _ - only'),
  /** Where every on-disburse callback is POSTed (the ledger's `/v1/dfsps/{id}/on-disburse`). */
  callbackUrl: z.url({ protocol: /^https?$/ }),
  /** HMAC key shared with the ledger; never logged. */
  secret: z.string().min(16, 'at least 16 characters'),
  /** Delay between the ACK and the decision + callback, drawn uniformly from [min, max]. */
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
  /** Callbacks scheduled or being delivered; a /disburse beyond it is refused (429). */
  maxPendingCallbacks: z.number().int().min(1).max(1_000_000).default(1_000),
  /** References remembered for deduplication; a /disburse beyond it is refused (429). */
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
});

/** Options as a caller writes them (defaults optional). */
export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
/** Options after validation, every default filled in. */
export type SimulatorConfig = z.output<typeof simulatorOptionsSchema>;
