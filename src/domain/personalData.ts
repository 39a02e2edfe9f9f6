import { DomainError } from './domainError.js';

/**
 * Beneficiaries' personal data in events: which fields are personal, where they sit in each
 * event's data, and how an erased field reads. Everything here is pure: sealing and opening are
 * done by the event store's protection ({@link ../application/personalDataProtection.ts}), which
 * uses this map to find what to seal.
 *
 * One "personal record" is the part of an event's data that belongs to one payment of one
 * beneficiary: `PaymentInstructed`'s data itself, and each of `PaymentsAdded`'s `payments`. Its
 * personal fields are the payee's name and financial address, the beneficiary's id (often a
 * national id) and the free-text `purpose`; its `beneficiaryKey` names the key they are sealed
 * under in the log. Amounts, currencies, references and regions are not personal: counts and
 * totals must survive an erasure.
 */

/** How an erased required field reads: `payeeFa` and `beneficiaryId` of an erased beneficiary. */
export const ERASED = '[erased]';

/** Who cancels an erased beneficiary's payment that a sending finds still unsent. */
export const ERASURE_ACTOR = 'process:erasure';

/**
 * A record's personal fields in clear; the optional ones are absent once erased, and `payeeFa`
 * also while the beneficiary id waits for the programme's ID mapper.
 */
export interface PersonalFields {
  readonly beneficiaryId: string;
  readonly payeeFa?: string;
  readonly payeeName?: string;
  readonly purpose?: string;
}

/** What a personal record holds besides its personal fields, as far as sealing cares. */
export interface PersonalRecord extends Partial<PersonalFields> {
  readonly paymentId: string;
  readonly beneficiaryKey?: string;
  readonly [field: string]: unknown;
}

/** The personal fields of an erased beneficiary. */
export const ERASED_FIELDS: PersonalFields = { beneficiaryId: ERASED, payeeFa: ERASED };

/** Whether a record's personal data was erased (its beneficiary's key destroyed). */
export function isErased(record: { readonly beneficiaryId?: unknown }): boolean {
  return record.beneficiaryId === ERASED;
}

/** Event types whose data holds personal records, and where. */
const RECORDS_AT: Readonly<Record<string, 'data' | 'payments'>> = {
  PaymentInstructed: 'data',
  PaymentsAdded: 'payments',
};

/** Whether events of this type hold personal records. */
export function holdsPersonalData(type: string): boolean {
  return Object.hasOwn(RECORDS_AT, type);
}

/**
 * The personal records of an event's data, in order (none for a type that holds none).
 *
 * @example
 * personalRecordsOf('PaymentsAdded', data).length; // data.payments.length
 */
export function personalRecordsOf(type: string, data: unknown): readonly PersonalRecord[] {
  const at = Object.hasOwn(RECORDS_AT, type) ? RECORDS_AT[type] : undefined;
  if (at === undefined || data === null || typeof data !== 'object') return [];
  if (at === 'data') return [data as PersonalRecord];
  const payments = (data as { readonly payments?: unknown }).payments;
  return Array.isArray(payments) ? (payments as PersonalRecord[]) : [];
}

/**
 * The event's data with its personal records replaced, in order, by `records` (as many as
 * {@link personalRecordsOf} gave).
 */
export function withPersonalRecords<Data>(
  type: string,
  data: Data,
  records: readonly Readonly<Record<string, unknown>>[],
): Data {
  const at = Object.hasOwn(RECORDS_AT, type) ? RECORDS_AT[type] : undefined;
  if (at === undefined) return data;
  if (at === 'data') return records[0] as Data;
  return { ...data, payments: records } as Data;
}

/**
 * Splits a record into its personal fields and the rest.
 *
 * @example
 * splitPersonal({ paymentId, beneficiaryId: 'B1', payeeFa: 'account:1@bank', amountMinor: '5' });
 * // { personal: { beneficiaryId: 'B1', payeeFa: 'account:1@bank' }, rest: { paymentId, amountMinor: '5' } }
 */
export function splitPersonal(record: PersonalRecord): {
  readonly personal: PersonalFields;
  readonly rest: Readonly<Record<string, unknown>>;
} {
  const { beneficiaryId, payeeFa, payeeName, purpose, ...rest } = record;
  if (typeof beneficiaryId !== 'string' || (payeeFa !== undefined && typeof payeeFa !== 'string')) {
    throw new Error(`payment ${record.paymentId}: a personal record without a beneficiary id`);
  }
  const personal: PersonalFields = {
    beneficiaryId,
    ...(payeeFa === undefined ? {} : { payeeFa }),
    ...(payeeName === undefined ? {} : { payeeName }),
    ...(purpose === undefined ? {} : { purpose }),
  };
  return { personal, rest };
}

/**
 * Refuses to send an erased beneficiary's payment anywhere: its payee is no longer known.
 *
 * @example
 * refuseErased(state.instructed); // throws beneficiary_erased for an erased payee
 */
export function refuseErased(record: { readonly beneficiaryId?: unknown }): void {
  if (isErased(record)) {
    throw new DomainError(
      'beneficiary_erased',
      "the beneficiary's personal data was erased: the payment cannot be sent",
    );
  }
}
