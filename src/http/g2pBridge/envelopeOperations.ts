import { ulid } from 'ulid';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import type { ProgrammeCommands } from '../../application/programmeCommands.js';
import type { BatchSummaryView, ReadModelQueries } from '../../application/readModels.js';
import { DomainError } from '../../domain/domainError.js';
import { isKnownCurrency, parseAmount } from '../../domain/money.js';
import { batchIdOf, CALLER_ID, envelopeDescription } from './bridgeIds.js';
import {
  BRIDGE_ERRORS,
  type BridgeError,
  DISBURSEMENT_FREQUENCIES,
  type EnvelopePayload,
} from './bridgeWire.js';
import { ExactNumber } from './exactJson.js';

/** What a bridge operation answers: its `message`, and the error code of a rejection. */
export interface BridgeAnswer {
  readonly message: unknown;
  readonly rejection?: BridgeError;
}

/** What every bridge operation acts with: the ledger, and whom for. */
export interface BridgeCall {
  readonly commands: LedgerCommands;
  readonly queries: ReadModelQueries;
  /** The programmes the calling principal acts for. */
  readonly programIds: readonly string[];
  /** How each programme's batches are approved, and whether it has an ID mapper. */
  readonly programmes: Pick<ProgrammeCommands, 'approvalOf' | 'registrationOf'>;
  /** The request header's `sender_id`: who upstream approved, where the programme does. */
  readonly senderId: string;
  readonly context: CommandContext;
  readonly now: Date;
}

const POSITIVE_INTEGER = /^[1-9]\d{0,8}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `create_disbursement_envelope`: opens a batch with the envelope's control totals, checked in
 * the bridge's order. The caller's `disbursement_envelope_id` is kept (a new ULID when absent),
 * and the same id again opens nothing new.
 */
export async function createEnvelope(
  call: BridgeCall,
  payload: EnvelopePayload,
): Promise<BridgeAnswer> {
  const checked = checkEnvelope(call, payload);
  if ('rejection' in checked) return { message: echoEnvelope(payload), ...checked };
  const envelopeId = payload.disbursement_envelope_id ?? ulid();
  if (!CALLER_ID.test(envelopeId)) {
    return {
      message: echoEnvelope(payload),
      rejection: BRIDGE_ERRORS.INVALID_DISBURSEMENT_ENVELOPE_ID,
    };
  }
  try {
    await call.commands.openBatch(
      {
        batchId: batchIdOf(checked.programId, envelopeId),
        programId: checked.programId,
        cycleId: checked.cycleId,
        currency: checked.currency,
        declaredCount: checked.count,
        declaredTotal: checked.total,
        scheduledFor: `${checked.date}T00:00:00.000Z`,
        description: envelopeDescription(envelopeId),
      },
      call.context,
    );
  } catch (error) {
    // The same envelope id with other details: the bridge has no code of its own for it.
    if (error instanceof DomainError && error.code === 'batch_exists') {
      return {
        message: echoEnvelope(payload),
        rejection: BRIDGE_ERRORS.INVALID_DISBURSEMENT_ENVELOPE_ID,
      };
    }
    throw error;
  }
  return { message: echoEnvelope({ ...payload, disbursement_envelope_id: envelopeId }) };
}

type CheckedEnvelope = {
  readonly programId: string;
  readonly cycleId: string;
  readonly currency: string;
  readonly count: number;
  readonly total: string;
  readonly date: string;
};

/** The bridge's checks of 3.1, in its order, and ours: an exact total in a known currency. */
function checkEnvelope(
  call: BridgeCall,
  payload: EnvelopePayload,
): CheckedEnvelope | { readonly rejection: BridgeError } {
  const programId = payload.benefit_program_mnemonic ?? '';
  const cycleId = payload.cycle_code_mnemonic ?? '';
  const frequency = payload.disbursement_frequency ?? '';
  const count = payload.number_of_disbursements ?? '';
  const currency = payload.disbursement_currency_code ?? '';
  const total = payload.total_disbursement_amount ?? '';
  const date = payload.disbursement_schedule_date ?? '';
  const reject = (rejection: BridgeError) => ({ rejection });
  if (programId === '' || programId.length > 100)
    return reject(BRIDGE_ERRORS.INVALID_PROGRAM_MNEMONIC);
  if (!(DISBURSEMENT_FREQUENCIES as readonly string[]).includes(frequency)) {
    return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_FREQUENCY);
  }
  if (cycleId === '' || cycleId.length > 100)
    return reject(BRIDGE_ERRORS.INVALID_CYCLE_CODE_MNEMONIC);
  const totalsRejection = controlTotalsRejection(payload, currency, call.now);
  if (totalsRejection !== undefined) return reject(totalsRejection);
  // A programme this principal does not act for is, to it, a programme not configured.
  if (!call.programIds.includes(programId)) return reject(BRIDGE_ERRORS.INVALID_PROGRAM_MNEMONIC);
  return { programId, cycleId, currency, count: Number(count), total, date };
}

/**
 * The checks of an envelope's counts, total and date, in the bridge's order, as creating and
 * amending an envelope make them; the total must be exact in `currency`.
 */
export function controlTotalsRejection(
  payload: EnvelopePayload,
  currency: string,
  now: Date,
): BridgeError | undefined {
  const date = payload.disbursement_schedule_date ?? '';
  if (!POSITIVE_INTEGER.test(payload.number_of_beneficiaries ?? '')) {
    return BRIDGE_ERRORS.INVALID_NO_OF_BENEFICIARIES;
  }
  if (!POSITIVE_INTEGER.test(payload.number_of_disbursements ?? '')) {
    return BRIDGE_ERRORS.INVALID_NO_OF_DISBURSEMENTS;
  }
  if (!isKnownCurrency(currency)) return BRIDGE_ERRORS.INVALID_DISBURSEMENT_CURRENCY_CODE;
  if (!isExactAmount(payload.total_disbursement_amount ?? '', currency)) {
    return BRIDGE_ERRORS.INVALID_TOTAL_DISBURSEMENT_AMOUNT;
  }
  const today = now.toISOString().slice(0, 10);
  if (!DATE.test(date) || Number.isNaN(Date.parse(date)) || date < today) {
    return BRIDGE_ERRORS.INVALID_DISBURSEMENT_SCHEDULE_DATE;
  }
  return undefined;
}

/** Whether `text` is a positive amount of `currency` with no more decimals than it allows. */
export function isExactAmount(text: string, currency: string): boolean {
  try {
    parseAmount(text, currency);
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/** The envelope payload as the bridge answers it: its numbers as JSON numbers, exactly. */
export function echoEnvelope(payload: EnvelopePayload): unknown {
  const frequency = payload.disbursement_frequency;
  return {
    ...payload,
    // One outside the bridge's enum is not echoed: the answer keeps to the bridge's model.
    disbursement_frequency: (DISBURSEMENT_FREQUENCIES as readonly unknown[]).includes(frequency)
      ? frequency
      : null,
    number_of_beneficiaries: exactOrNull(payload.number_of_beneficiaries),
    number_of_disbursements: exactOrNull(payload.number_of_disbursements),
    total_disbursement_amount: exactOrNull(payload.total_disbursement_amount),
  };
}

/** A number's source text as a JSON number again; anything else (a malformed one) as null. */
export function exactOrNull(text: string | null | undefined): ExactNumber | null {
  return text !== null && text !== undefined && /^-?\d+(?:\.\d+)?$/.test(text)
    ? new ExactNumber(text)
    : null;
}

/** The batches the envelope `envelopeId` may be: one per programme of the caller. */
export function envelopeBatches(
  call: BridgeCall,
  envelopeId: string,
): { readonly batchId: string; readonly programId: string }[] {
  return call.programIds.map((programId) => ({
    batchId: batchIdOf(programId, envelopeId),
    programId,
  }));
}

/**
 * The envelope `envelopeId` of one of the caller's programmes, as the read model holds it;
 * undefined when none of them has it (another programme's envelope is not found either).
 */
export async function findEnvelope(
  call: BridgeCall,
  envelopeId: string,
): Promise<BatchSummaryView | undefined> {
  for (const programId of call.programIds) {
    const batch = await call.queries.getBatch(batchIdOf(programId, envelopeId));
    if (batch !== undefined && batch.programId === programId) return batch;
  }
  return undefined;
}

/**
 * How the bridge refuses a change to an envelope whose batch takes none (`batch_not_open`):
 * already cancelled, or else submitted (it holds every declared disbursement), answered
 * `whenSubmitted`.
 */
export async function closedEnvelopeRefusal(
  call: BridgeCall,
  batchId: string,
  whenSubmitted: BridgeError,
): Promise<BridgeError> {
  const batch = await call.queries.getBatch(batchId);
  return batch?.status === 'cancelled'
    ? BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_ALREADY_CANCELED
    : whenSubmitted;
}

/** `cancel_disbursement_envelope`: cancels the batch; nothing of it not yet sent is paid. */
export async function cancelEnvelope(
  call: BridgeCall,
  payload: EnvelopePayload,
): Promise<BridgeAnswer> {
  const envelopeId = payload.disbursement_envelope_id ?? '';
  const batch = envelopeId === '' ? undefined : await findEnvelope(call, envelopeId);
  const reject = (rejection: BridgeError) => ({ message: echoEnvelope(payload), rejection });
  if (batch?.status === 'cancelled') {
    return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_ALREADY_CANCELED);
  }
  // The read model may lag an envelope just created: each of the caller's batches is asked.
  const candidates = batch === undefined ? envelopeBatches(call, envelopeId) : [batch];
  for (const { batchId } of envelopeId === '' ? [] : candidates) {
    try {
      await call.commands.cancelBatch(
        batchId,
        'cancelled through the G2P Bridge API',
        call.context,
      );
      return { message: echoEnvelope(payload) };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'batch_not_found') continue;
      // Completed: every payment is final, there is nothing left to cancel.
      if (error.code === 'batch_finished') {
        return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_SCHEDULE_DATE_REACHED);
      }
      throw error;
    }
  }
  return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_NOT_FOUND);
}

const SHIPPED = ['submitted', 'succeeded', 'failed', 'returned'] as const;

/** `get_disbursement_envelope_status`: the bridge's counters, from the batch summary. */
export async function envelopeStatus(call: BridgeCall, envelopeId: string): Promise<BridgeAnswer> {
  const batch = await findEnvelope(call, envelopeId);
  if (batch === undefined) {
    return { message: null, rejection: BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_NOT_FOUND };
  }
  const released = ['approved', 'processing', 'completed'].includes(batch.status);
  return {
    message: {
      disbursement_envelope_id: envelopeId,
      number_of_disbursements_received: batch.received.count,
      total_disbursement_amount_received: new ExactNumber(batch.received.total),
      funds_available_with_bank: released ? 'FUNDS_AVAILABLE' : 'PENDING_CHECK',
      funds_available_latest_timestamp: null,
      funds_available_latest_error_code: null,
      funds_available_attempts: 0,
      funds_blocked_with_bank: released ? 'FUNDS_BLOCK_SUCCESS' : 'PENDING_CHECK',
      funds_blocked_latest_timestamp: null,
      funds_blocked_latest_error_code: null,
      funds_blocked_attempts: 0,
      funds_blocked_reference_number: null,
      id_mapper_resolution_required:
        (await call.programmes.registrationOf(batch.programId)).idMapper !== undefined,
      number_of_disbursements_shipped: SHIPPED.reduce(
        (sum, status) => sum + batch.byStatus[status].count,
        0,
      ),
      number_of_disbursements_reconciled: batch.reconciliation.matched.count,
      number_of_disbursements_reversed: batch.byStatus.returned.count,
      // Ours, beyond the bridge's: the batch behind the envelope and its status.
      ledger_batch_id: batch.batchId,
      ledger_status: batch.status,
    },
  };
}
