import { linesByReference } from '../domain/batchDecider.js';
import { DomainError } from '../domain/domainError.js';
import { ULID_PATTERN } from '../domain/eventSchemas.js';
import { optional } from '../domain/optional.js';
import type { LedgerCommands } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';

/** A batch's life before its payments have streams: open, fill, submit, approve, cancel. */
export function batchCommands(
  streams: LedgerStreams,
  newId: () => string,
): Pick<
  LedgerCommands,
  'openBatch' | 'addPayments' | 'amendBatch' | 'submitBatch' | 'approveBatch' | 'cancelBatch'
> {
  return {
    async openBatch(input, context) {
      if (input.batchId !== undefined && !ULID_PATTERN.test(input.batchId)) {
        throw new DomainError('invalid_batch_id', 'batchId must be a ULID', ['batchId']);
      }
      const batchId = input.batchId ?? newId();
      const { appended } = await streams.batches(
        batchId,
        { type: 'OpenBatch', ...input, batchId, by: context.actor },
        context,
      );
      return { batchId, created: appended.length > 0 };
    },

    async addPayments(batchId, payments, context) {
      const newPaymentIds = payments.map(() => newId());
      const { state } = await streams.batches(
        batchId,
        { type: 'AddPayments', by: context.actor, payments, newPaymentIds },
        context,
      );
      const lines = linesByReference(state);
      return {
        payments: payments.map((payment) => {
          const line = lines.get(payment.reference);
          if (line === undefined)
            throw new Error(`reference ${payment.reference} missing after adding it`);
          return { reference: payment.reference, paymentId: line.paymentId };
        }),
      };
    },

    async amendBatch(batchId, input, context) {
      await streams.batches(
        batchId,
        { type: 'AmendControlTotals', by: context.actor, ...input },
        context,
      );
    },

    async submitBatch(batchId, context) {
      await streams.batches(batchId, { type: 'SubmitBatch', by: context.actor }, context);
    },

    async approveBatch(batchId, context) {
      await streams.batches(batchId, { type: 'ApproveBatch', by: context.actor }, context);
    },

    async cancelBatch(batchId, reason, context) {
      const command = {
        type: 'CancelBatch' as const,
        by: context.actor,
        ...optional('reason', reason),
      };
      await streams.batches(batchId, command, context);
    },
  };
}
