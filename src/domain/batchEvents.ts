import { z } from 'zod';
import {
  CurrencyCode,
  defineEvent,
  type EventOf,
  Instant,
  MinorUnits,
  Principal,
  Ulid,
} from './eventSchemas.js';

/** One payment instruction as the programme sent it, with the id the ledger gave it. */
export const PaymentLine = z.strictObject({
  paymentId: Ulid,
  reference: z.string().min(1).max(100),
  beneficiaryId: z.string().min(1).max(100),
  /**
   * The payee's financial address; absent when the beneficiary id is to be resolved through the
   * programme's ID mapper before routing.
   */
  payeeFa: z.string().min(1).max(160).optional(),
  payeeName: z.string().max(200).optional(),
  /** The key its personal fields are sealed under in the log (see personalData.ts). */
  beneficiaryKey: Ulid.optional(),
  amountMinor: MinorUnits,
  region: z.string().max(50).optional(),
  purpose: z.string().max(140).optional(),
  attributes: z.record(z.string(), z.string()).optional(),
});
export type PaymentLine = z.infer<typeof PaymentLine>;

export const BatchOpened = defineEvent(
  'BatchOpened',
  z.strictObject({
    batchId: Ulid,
    programId: z.string().min(1).max(100),
    cycleId: z.string().min(1).max(100),
    currency: CurrencyCode,
    declaredCount: z.number().int().positive(),
    declaredTotalMinor: MinorUnits,
    scheduledFor: Instant.optional(),
    description: z.string().max(500).optional(),
    /** Who opened the batch; absent on events written before it was recorded. */
    by: Principal.optional(),
  }),
);

export const PaymentsAdded = defineEvent(
  'PaymentsAdded',
  z.strictObject({
    batchId: Ulid,
    payments: z.array(PaymentLine).min(1).max(1_000),
    /** Who added the chunk; absent on events written before it was recorded. */
    by: Principal.optional(),
  }),
);

/**
 * The programme changed what the batch declares while it was still open (the G2P Bridge's
 * `amend_disbursement_envelope`): control totals and schedule as they now stand.
 */
export const BatchControlTotalsAmended = defineEvent(
  'BatchControlTotalsAmended',
  z.strictObject({
    batchId: Ulid,
    declaredCount: z.number().int().positive(),
    declaredTotalMinor: MinorUnits,
    scheduledFor: Instant.optional(),
    by: Principal,
  }),
);

export const BatchSubmitted = defineEvent(
  'BatchSubmitted',
  z.strictObject({ batchId: Ulid, by: Principal, count: z.number().int(), totalMinor: MinorUnits }),
);

export const BatchApproved = defineEvent(
  'BatchApproved',
  z.strictObject({ batchId: Ulid, by: Principal }),
);

export const BatchRejected = defineEvent(
  'BatchRejected',
  z.strictObject({ batchId: Ulid, by: Principal, reason: z.string().max(500) }),
);

export const BatchCancelled = defineEvent(
  'BatchCancelled',
  z.strictObject({ batchId: Ulid, by: Principal, reason: z.string().max(500).optional() }),
);

export const BatchCompleted = defineEvent('BatchCompleted', z.strictObject({ batchId: Ulid }));

export const batchEvents = [
  BatchOpened,
  PaymentsAdded,
  BatchControlTotalsAmended,
  BatchSubmitted,
  BatchApproved,
  BatchRejected,
  BatchCancelled,
  BatchCompleted,
] as const;

export type BatchEvent = EventOf<(typeof batchEvents)[number]>;

export const batchStream = (batchId: string) => `batch-${batchId}`;
