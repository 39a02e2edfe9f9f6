import { DomainError } from '../../domain/domainError.js';
import { BRIDGE_ERRORS, type BridgeError, type EnvelopePayload } from './bridgeWire.js';
import { submitWhenFull } from './disbursementOperations.js';
import {
  type BridgeAnswer,
  type BridgeCall,
  closedEnvelopeRefusal,
  controlTotalsRejection,
  echoEnvelope,
  envelopeBatches,
  findEnvelope,
} from './envelopeOperations.js';

/**
 * `amend_disbursement_envelope` (bridge 1.0.x, §3.3 of API.md): new counts, total and schedule
 * date for an envelope not yet due, checked as on creation. Unlike the bridge, an envelope
 * already full (submitted) cannot be amended, and the totals never go below what the envelope
 * has received; `number_of_beneficiaries` is checked and echoed, not kept (the ledger counts
 * payments, not people).
 */
export async function amendEnvelope(
  call: BridgeCall,
  payload: EnvelopePayload,
): Promise<BridgeAnswer> {
  const reject = (rejection: BridgeError) => ({ message: echoEnvelope(payload), rejection });
  const envelopeId = payload.disbursement_envelope_id ?? '';
  if (envelopeId === '') return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_ENVELOPE_ID);
  const batch = await findEnvelope(call, envelopeId);
  const currency = batch?.currency ?? payload.disbursement_currency_code ?? '';
  const invalid = controlTotalsRejection(payload, currency, call.now);
  if (invalid !== undefined) return reject(invalid);
  if (batch?.status === 'cancelled') {
    return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_ALREADY_CANCELED);
  }
  const today = call.now.toISOString().slice(0, 10);
  const scheduled = batch?.scheduledFor?.slice(0, 10);
  if (scheduled !== undefined && scheduled <= today) {
    return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_DATE_PASSED);
  }
  const amendment = {
    declaredCount: Number(payload.number_of_disbursements),
    declaredTotal: payload.total_disbursement_amount ?? '',
    scheduledFor: `${payload.disbursement_schedule_date}T00:00:00.000Z`,
  };
  // The read model may lag an envelope just created: each of the caller's batches is asked.
  const candidates = batch === undefined ? envelopeBatches(call, envelopeId) : [batch];
  for (const { batchId, programId } of candidates) {
    try {
      await call.commands.amendBatch(batchId, amendment, call.context);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'batch_not_found') continue;
      const rejection = await amendmentRefusal(call, batchId, error);
      if (rejection === undefined) throw error;
      return reject(rejection);
    }
    // Amended down to what it holds: the envelope is full, and goes for approval.
    await submitWhenFull(call, batchId, programId);
    return { message: echoEnvelope(payload) };
  }
  return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_NOT_FOUND);
}

/** What the batch's refusal of an amendment is, in the bridge's codes. */
async function amendmentRefusal(
  call: BridgeCall,
  batchId: string,
  error: DomainError,
): Promise<BridgeError | undefined> {
  switch (error.code) {
    case 'batch_not_open':
      return closedEnvelopeRefusal(
        call,
        batchId,
        BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_ALREADY_SUBMITTED,
      );
    case 'declared_below_received':
      return error.path[0] === 'declaredCount'
        ? BRIDGE_ERRORS.INVALID_NO_OF_DISBURSEMENTS
        : BRIDGE_ERRORS.INVALID_TOTAL_DISBURSEMENT_AMOUNT;
    default:
      return error.code.startsWith('amount_') || error.code.startsWith('invalid_')
        ? BRIDGE_ERRORS.INVALID_TOTAL_DISBURSEMENT_AMOUNT
        : undefined;
  }
}
