import type { ProgrammeReferences } from '../../application/programmeReferences.js';
import type { PaymentView } from '../../application/readModels.js';
import { DomainError } from '../../domain/domainError.js';
import { envelopeIdOf } from './bridgeIds.js';
import { BRIDGE_ERRORS, type BridgeError, type DisbursementPayload } from './bridgeWire.js';
import { echoDisbursement as echo } from './disbursementOperations.js';
import type { BridgeAnswer, BridgeCall } from './envelopeOperations.js';

/** `cancel_disbursements`: cancels each payment not yet sent; a cancelled one is never paid. */
export async function cancelDisbursements(
  call: BridgeCall,
  lookup: ProgrammeReferences,
  payloads: readonly DisbursementPayload[],
): Promise<BridgeAnswer> {
  const ids = payloads.map((payload) => payload.disbursement_id ?? '');
  const reject = (rejection: BridgeError, codes?: readonly (readonly string[])[]) => ({
    message: payloads.map((payload, index) =>
      echo(payload, codes === undefined ? {} : { response_error_codes: codes[index] ?? [] }),
    ),
    rejection,
  });
  if (ids.some((id) => id === '')) return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_PAYLOAD);
  const found = new Map((await lookup(ids, call.programIds)).map((p) => [p.reference, p]));
  if (found.size === 0) return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_ID);
  if (new Set([...found.values()].map((payment) => payment.batchId)).size > 1) {
    return reject(BRIDGE_ERRORS.MULTIPLE_ENVELOPES_FOUND);
  }
  const codes = ids.map((id) => {
    const payment = found.get(id);
    if (payment === undefined) return [BRIDGE_ERRORS.INVALID_DISBURSEMENT_ID];
    if (payment.status === 'cancelled') return [BRIDGE_ERRORS.DISBURSEMENT_ALREADY_CANCELED];
    return [];
  });
  if (codes.some((errors) => errors.length > 0)) {
    return reject(BRIDGE_ERRORS.INVALID_DISBURSEMENT_PAYLOAD, codes);
  }
  const refused: string[][] = ids.map(() => []);
  for (const [index, id] of ids.entries()) {
    const payment = found.get(id);
    if (payment === undefined) continue;
    try {
      await call.commands.cancelPayment(
        payment.paymentId,
        'cancelled through the G2P Bridge API',
        call.context,
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Sent to its DFSP already (or not released yet): it cannot be called back.
      refused[index] = [BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_SCHEDULE_DATE_REACHED];
    }
  }
  if (refused.some((errors) => errors.length > 0)) {
    return reject(BRIDGE_ERRORS.DISBURSEMENT_ENVELOPE_SCHEDULE_DATE_REACHED, refused);
  }
  return { message: payloads.map((payload) => echo(payload)) };
}

/**
 * `get_disbursement_status`: one status per id asked for. A disbursement its DFSP paid has one
 * recon payload (`reversal_found` when returned); `ledger_status` adds the payment's status in
 * the ledger, which the bridge does not show. An unknown id answers empty lists, as the bridge's.
 */
export async function disbursementStatus(
  call: BridgeCall,
  lookup: ProgrammeReferences,
  ids: readonly string[],
): Promise<BridgeAnswer> {
  const payments = new Map((await lookup(ids, call.programIds)).map((p) => [p.reference, p]));
  const envelopes = new Map<string, string | undefined>();
  for (const batchId of new Set([...payments.values()].map((payment) => payment.batchId))) {
    envelopes.set(
      batchId,
      envelopeIdOf((await call.queries.getBatch(batchId))?.description ?? null),
    );
  }
  return {
    message: ids.map((id) => {
      const payment = payments.get(id);
      return {
        disbursement_id: id,
        disbursement_recon_records: {
          disbursement_recon_payloads:
            payment === undefined ? [] : reconPayloads(payment, envelopes.get(payment.batchId)),
          disbursement_error_recon_payloads: [],
        },
        ledger_status: payment?.status ?? null,
      };
    }),
  };
}

function reconPayloads(payment: PaymentView, envelopeId: string | undefined): unknown[] {
  if (payment.status !== 'succeeded' && payment.status !== 'returned') return [];
  return [
    {
      bank_disbursement_batch_id: payment.batchId,
      disbursement_id: payment.reference,
      disbursement_envelope_id: envelopeId ?? null,
      beneficiary_name_from_bank: null,
      remittance_reference_number: payment.paymentId,
      remittance_entry_date: payment.updatedAt,
      reversal_found: payment.status === 'returned',
      reversal_reason: payment.status === 'returned' ? payment.statusReason : null,
    },
  ];
}
