import { z } from 'zod';
import {
  CurrencyCode,
  defineEvent,
  type EventOf,
  MinorUnits,
  Principal,
  Ulid,
} from './eventSchemas.js';

export const PaymentInstructed = defineEvent(
  'PaymentInstructed',
  z.strictObject({
    paymentId: Ulid,
    batchId: Ulid,
    programId: z.string().min(1).max(100),
    reference: z.string().min(1).max(100),
    beneficiaryId: z.string().min(1).max(100),
    payeeFa: z.string().min(1).max(160),
    payeeName: z.string().max(200).optional(),
    amountMinor: MinorUnits,
    currency: CurrencyCode,
    region: z.string().max(50).optional(),
    purpose: z.string().max(140).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
  }),
);

export const PaymentRouted = defineEvent(
  'PaymentRouted',
  z.strictObject({
    paymentId: Ulid,
    dfspId: z.string().min(1),
    ruleId: z.string().min(1),
    rulesVersion: z.number().int().positive(),
    via: z.enum(['route', 'fallback']),
  }),
);

export const PaymentUnroutable = defineEvent(
  'PaymentUnroutable',
  z.strictObject({
    paymentId: Ulid,
    reason: z.string().max(1_000),
    rulesVersion: z.number().int().nonnegative(),
  }),
);

export const PaymentCancelled = defineEvent(
  'PaymentCancelled',
  z.strictObject({ paymentId: Ulid, by: Principal, reason: z.string().max(500).optional() }),
);

export const paymentEvents = [
  PaymentInstructed,
  PaymentRouted,
  PaymentUnroutable,
  PaymentCancelled,
] as const;

export type PaymentEvent = EventOf<(typeof paymentEvents)[number]>;

export const paymentStream = (paymentId: string) => `payment-${paymentId}`;
