import { DomainError } from '../domain/domainError.js';
import { formatAmount } from '../domain/money.js';
import { paymentDecider } from '../domain/paymentDecider.js';
import { type PaymentEvent, paymentStream } from '../domain/paymentEvents.js';
import type { PaymentState } from '../domain/paymentState.js';
import { type EventStore, MAX_READ_COUNT } from './eventStore.js';
import type { PaymentView } from './readModels.js';

/**
 * A payment as it was at an instant: its stream folded up to the last event that occurred at or
 * before `asOf`. Answers undefined when the payment had no event by then (before approval a
 * payment exists only as a line of its batch, and has no history of its own yet).
 *
 * @example
 * await paymentAsOf(store, paymentId, new Date('2026-11-28T10:00:00Z'));
 */
export async function paymentAsOf(
  store: EventStore,
  paymentId: string,
  asOf: Date,
): Promise<PaymentView | undefined> {
  if (Number.isNaN(asOf.getTime())) {
    throw new DomainError('invalid_as_of', 'asOf must be an ISO-8601 instant', ['asOf']);
  }
  const events = await store.readStream(paymentStream(paymentId), { maxCount: MAX_READ_COUNT });
  let state: PaymentState = paymentDecider.initialState();
  let createdAt: string | undefined;
  let updatedAt: string | undefined;
  for (const event of events) {
    if (new Date(event.metadata.occurredAt).getTime() > asOf.getTime()) break;
    state = paymentDecider.evolve(state, { type: event.type, data: event.data } as PaymentEvent);
    createdAt ??= event.metadata.occurredAt;
    updatedAt = event.metadata.occurredAt;
  }
  const payment = state.instructed;
  if (payment === undefined || createdAt === undefined || updatedAt === undefined) return undefined;
  return {
    paymentId: payment.paymentId,
    batchId: payment.batchId,
    reference: payment.reference,
    beneficiaryId: payment.beneficiaryId,
    payeeFa: payment.payeeFa ?? null,
    payeeName: payment.payeeName ?? null,
    amount: formatAmount(BigInt(payment.amountMinor), payment.currency),
    currency: payment.currency,
    region: payment.region ?? null,
    status: state.status === 'none' ? 'pending' : state.status,
    statusReason: state.statusReason ?? null,
    inDoubt: state.inDoubt === true,
    dfspId: state.dfspId ?? null,
    ruleId: state.ruleId ?? null,
    rulesVersion: state.rulesVersion ?? null,
    attempts: 0,
    reconciliation: 'unreconciled',
    createdAt,
    updatedAt,
  };
}
