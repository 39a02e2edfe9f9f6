import { ulid } from 'ulid';
import type { ProgrammeReferences } from '../../application/programmeReferences.js';
import type { BatchSummaryView } from '../../application/readModels.js';
import type { PaymentInstruction } from '../../domain/batchDecider.js';
import { DomainError } from '../../domain/domainError.js';
import { parseFinancialAddress } from '../../domain/financialAddress.js';
import { parseAmount } from '../../domain/money.js';
import { CALLER_ID } from './bridgeIds.js';
import { BRIDGE_ERRORS, type BridgeError, type DisbursementPayload } from './bridgeWire.js';
import {
  type BridgeAnswer,
  type BridgeCall,
  closedEnvelopeRefusal,
  envelopeBatches,
  exactOrNull,
  findEnvelope,
} from './envelopeOperations.js';

const PLAIN_AMOUNT = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** A disbursement as answered: the caller's payload, its id filled in, its amount exact. */
export function echoDisbursement(
  payload: DisbursementPayload,
  extra: Record<string, unknown> = {},
): unknown {
  return { ...payload, disbursement_amount: exactOrNull(payload.disbursement_amount), ...extra };
}

/**
 * The payment reference of a disbursement: the caller's `disbursement_id`, else its
 * `mis_reference_number` (what OpenG2P keys its disbursements by), else a new ULID. The same id
 * twice is one payment.
 */
function referenceOf(payload: DisbursementPayload): string {
  return payload.disbursement_id ?? payload.mis_reference_number ?? ulid();
}

/**
 * The bridge's per-item checks of 3.4, and ours: the beneficiary id is a financial address,
 * unless the programme has an ID mapper to resolve it through.
 */
function itemErrors(
  payload: DisbursementPayload,
  reference: string,
  currency: string | undefined,
  mapperResolves: boolean,
): BridgeError[] {
  const errors: BridgeError[] = [];
  if ((payload.disbursement_envelope_id ?? '') === '') {
    errors.push(BRIDGE_ERRORS.INVALID_DISBURSEMENT_ENVELOPE_ID);
  }
  if (!CALLER_ID.test(reference)) errors.push(BRIDGE_ERRORS.INVALID_DISBURSEMENT_ID);
  const amount = payload.disbursement_amount ?? '';
  const exact = currency === undefined || exactIn(amount, currency);
  if (!PLAIN_AMOUNT.test(amount) || !/[1-9]/.test(amount) || !exact) {
    errors.push(BRIDGE_ERRORS.INVALID_DISBURSEMENT_AMOUNT);
  }
  const beneficiaryId = payload.beneficiary_id ?? '';
  const resolvable = mapperResolves && beneficiaryId !== '' && beneficiaryId.length <= 100;
  if (!isFinancialAddress(beneficiaryId) && !resolvable) {
    errors.push(BRIDGE_ERRORS.INVALID_BENEFICIARY_ID);
  }
  const name = payload.beneficiary_name ?? '';
  if (name === '' || name.length > 200) errors.push(BRIDGE_ERRORS.INVALID_BENEFICIARY_NAME);
  const narrative = payload.narrative ?? '';
  if (narrative === '' || narrative.length > 140) errors.push(BRIDGE_ERRORS.INVALID_NARRATIVE);
  return errors;
}

function isFinancialAddress(text: string | null | undefined): boolean {
  if (text === null || text === undefined || text.length > 100) return false;
  try {
    parseFinancialAddress(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * `create_disbursements`: adds the disbursements to their envelope's batch, all or nothing, and
 * submits the batch for approval once it holds every declared disbursement.
 */
export async function createDisbursements(
  call: BridgeCall,
  lookup: ProgrammeReferences,
  payloads: readonly DisbursementPayload[],
): Promise<BridgeAnswer> {
  const references = payloads.map(referenceOf);
  const envelopeIds = new Set(payloads.map((payload) => payload.disbursement_envelope_id ?? ''));
  const reject = (rejection: BridgeError, codes?: readonly BridgeError[][]) => ({
    message: payloads.map((payload, index) =>
      echoDisbursement(
        payload,
        codes === undefined ? {} : { response_error_codes: codes[index] ?? [] },
      ),
    ),
    rejection,
  });
  if (envelopeIds.size > 1) return reject(BRIDGE_ERRORS.MULTIPLE_ENVELOPES_FOUND);
  const [envelopeId = ''] = envelopeIds;
  // The read model may lag an envelope just created: the batch itself then judges the amounts.
  const batch = envelopeId === '' ? undefined : await findEnvelope(call, envelopeId);
  const mapperResolves = await programmesResolve(call, batch?.programId);
  const codes = payloads.map((payload, index) =>
    itemErrors(payload, references[index] ?? '', batch?.currency, mapperResolves),
  );
  if (codes.some((errors) => errors.length > 0)) {
    return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_PAYLOAD, codes);
  }
  if (batch?.status === 'cancelled') {
    return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_ALREADY_CANCELED);
  }
  if (batch !== undefined) {
    if (await exceedsDeclaredTotal(lookup, batch, payloads, references)) {
      return reject(BRIDGE_ERRORS.TOTAL_DISBURSEMENT_AMOUNT_EXCEEDS_DECLARED);
    }
  }
  const instructions: PaymentInstruction[] = payloads.map((payload, index) => ({
    reference: references[index] ?? '',
    beneficiaryId: payload.beneficiary_id ?? '',
    // An id that is not an address is resolved through the programme's mapper at fan-out.
    ...(isFinancialAddress(payload.beneficiary_id)
      ? { payeeFa: payload.beneficiary_id ?? '' }
      : {}),
    payeeName: payload.beneficiary_name ?? '',
    amount: payload.disbursement_amount ?? '',
    purpose: payload.narrative ?? '',
  }));
  const candidates = batch === undefined ? envelopeBatches(call, envelopeId) : [batch];
  for (const { batchId, programId } of candidates) {
    try {
      await call.commands.addPayments(batchId, instructions, call.context);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'batch_not_found') continue;
      const rejection =
        error instanceof DomainError ? await addRefusal(call, batchId, error.code) : undefined;
      if (rejection === undefined) throw error;
      return reject(rejection);
    }
    await submitWhenFull(call, batchId, programId);
    return {
      message: payloads.map((payload, index) =>
        echoDisbursement(payload, { disbursement_id: references[index] }),
      ),
    };
  }
  return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_NOT_FOUND);
}

/**
 * Whether the envelope's programme has an ID mapper: asked of its own programme, or, while the
 * read model has not yet shown the envelope, of any programme of the caller (a line without an
 * address in a programme without a mapper is then unroutable at fan-out, saying so).
 */
async function programmesResolve(call: BridgeCall, programId: string | undefined) {
  const programIds = programId === undefined ? call.programIds : [programId];
  const registrations = await Promise.all(
    programIds.map((id) => call.programmes.registrationOf(id)),
  );
  return registrations.some((registration) => registration.idMapper !== undefined);
}

function exactIn(amount: string, currency: string): boolean {
  try {
    parseAmount(amount, currency);
    return true;
  } catch {
    return false;
  }
}

/** What a refusal of the batch to take the payments is, in the bridge's codes. */
async function addRefusal(
  call: BridgeCall,
  batchId: string,
  code: string,
): Promise<BridgeError | undefined> {
  switch (code) {
    case 'declared_count_exceeded':
      return BRIDGE_ERRORS.NO_OF_DISBURSEMENTS_EXCEEDS_DECLARED;
    case 'batch_not_open':
      return closedEnvelopeRefusal(
        call,
        batchId,
        BRIDGE_ERRORS.NO_OF_DISBURSEMENTS_EXCEEDS_DECLARED,
      );
    case 'reference_conflict':
    case 'duplicate_reference':
      return BRIDGE_ERRORS.INVALID_DISBURSEMENT_PAYLOAD;
    case 'batch_not_found':
      return BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_NOT_FOUND;
    default:
      return code.startsWith('amount_') || code.startsWith('invalid_')
        ? BRIDGE_ERRORS.INVALID_DISBURSEMENT_PAYLOAD
        : undefined;
  }
}

/**
 * Whether the disbursements not yet in the batch would take its received total past the
 * declared one, judged on the read model (a lagging one lets an excess through: the batch then
 * never matches its control totals, is never submitted, and nothing is paid).
 */
async function exceedsDeclaredTotal(
  lookup: ProgrammeReferences,
  batch: Pick<BatchSummaryView, 'batchId' | 'programId' | 'currency' | 'declared' | 'received'>,
  payloads: readonly DisbursementPayload[],
  references: readonly string[],
): Promise<boolean> {
  const known = await lookup(references, [batch.programId]);
  const present = new Set(
    known
      .filter((payment) => payment.batchId === batch.batchId)
      .map((payment) => payment.reference),
  );
  let totalMinor = parseAmountOrZero(batch.received.total, batch.currency);
  payloads.forEach((payload, index) => {
    if (!present.has(references[index] ?? '')) {
      totalMinor += parseAmount(payload.disbursement_amount ?? '', batch.currency);
    }
  });
  return totalMinor > parseAmountOrZero(batch.declared.total, batch.currency);
}

function parseAmountOrZero(text: string, currency: string): bigint {
  return /[1-9]/.test(text) ? parseAmount(text, currency) : 0n;
}

/**
 * Submits the batch for approval when it holds every declared disbursement; else waits. A
 * programme registered as approving upstream has it approved at once, recorded as approved by
 * `upstream:<the request header's sender_id>`: four eyes, the second pair the programme's own.
 */
export async function submitWhenFull(call: BridgeCall, batchId: string, programId: string) {
  try {
    await call.commands.submitBatch(batchId, call.context);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'control_totals_mismatch') return;
    throw error;
  }
  if ((await call.programmes.approvalOf(programId)) !== 'upstream') return;
  const upstream = { ...call.context, actor: `upstream:${call.senderId.slice(0, 190)}` };
  await call.commands.approveBatch(batchId, upstream);
}
