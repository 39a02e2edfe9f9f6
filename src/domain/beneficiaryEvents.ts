import { z } from 'zod';
import { defineEvent, type EventOf, Principal, Ulid } from './eventSchemas.js';

/**
 * A beneficiary's personal data was crypto-shredded: the key it was sealed under in the log is
 * destroyed, so every event that holds it reads as erased from now on. The event names the key,
 * never the beneficiary (that would defeat it). The reason is the administrator's text: it must
 * not name the person either.
 */
export const BeneficiaryErased = defineEvent(
  'BeneficiaryErased',
  z.strictObject({
    beneficiaryKey: Ulid,
    by: Principal,
    reason: z.string().min(1).max(500),
  }),
);

export const beneficiaryEvents = [BeneficiaryErased] as const;

export type BeneficiaryEvent = EventOf<(typeof beneficiaryEvents)[number]>;

/** One stream per erased key: its one event, so an erasure is recorded once. */
export const beneficiaryKeyStream = (beneficiaryKey: string) => `beneficiary-${beneficiaryKey}`;
