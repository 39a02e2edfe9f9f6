import type { PaymentEvent } from './paymentEvents.js';
import type { PaymentState, PaymentStatus } from './paymentState.js';
import type { LineOutcome } from './statementEvents.js';

/** A statement line as reconciliation weighs it against one payment. */
export interface LineToReconcile {
  readonly statementId: string;
  readonly dfspId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly direction: 'debit' | 'credit';
  readonly reversal: boolean;
  /** An earlier debit line of the same statement already named this payment. */
  readonly repeated: boolean;
}

/** Statuses in which a payment is paid or may be paid: a statement debit for it is expected. */
const PAID_OR_IN_FLIGHT: ReadonlySet<PaymentStatus> = new Set(['submitted', 'succeeded']);

/**
 * What a statement line means for the payment it names (`state`, folded from the payment's
 * stream; `initialState` when the reference is no payment of the ledger), and the payment events
 * that records. Pure. A line already recorded from this statement gives no event again, so a
 * statement whose import was cut short can be reconciled again.
 *
 * - A debit (a payment made) is `matched` when the payment is this DFSP's, paid or in flight,
 *   for the same amount and currency; `mismatched` (amount or currency) otherwise; `paid_twice`
 *   when the statement already debited it; `paid_but_failed` when the ledger holds it failed,
 *   cancelled or never sent.
 * - A reversed debit (money back) is `returned`: a succeeded payment becomes `returned`.
 * - A payment of another DFSP is `other_dfsp`; no payment at all, `unknown`; anything else (a
 *   credit, a reversed credit) is `not_a_payment`. None of these records a payment event.
 */
export function reconcileLine(
  state: PaymentState,
  line: LineToReconcile,
): { readonly outcome: LineOutcome; readonly events: PaymentEvent[] } {
  const payment = state.instructed;
  const isPayment = line.direction === 'debit' && !line.reversal;
  const isReturn = line.direction === 'credit' && line.reversal;
  if (!isPayment && !isReturn) return { outcome: 'not_a_payment', events: [] };
  if (payment === undefined) return { outcome: 'unknown', events: [] };
  if (state.dfspId !== line.dfspId) {
    // Never routed, or routed to another DFSP: a payment this DFSP had no business making.
    if (state.dfspId === undefined && isPayment) return mismatch(state, line, 'paid_but_failed');
    return { outcome: 'other_dfsp', events: [] };
  }
  const { paymentId } = payment;
  const { statementId, dfspId, currency } = line;
  const amountMinor = String(line.amountMinor);
  if (isReturn) {
    if (state.status !== 'succeeded') return { outcome: 'returned', events: [] };
    const data = { paymentId, statementId, dfspId, amountMinor, currency };
    return { outcome: 'returned', events: [{ type: 'PaymentReturned', data }] };
  }
  if (line.repeated) return mismatch(state, line, 'paid_twice');
  if (!PAID_OR_IN_FLIGHT.has(state.status) && state.status !== 'returned') {
    return mismatch(state, line, 'paid_but_failed');
  }
  if (amountMinor !== payment.amountMinor) return mismatch(state, line, 'amount');
  if (currency !== payment.currency) return mismatch(state, line, 'currency');
  if (state.reconciliation === 'matched') return { outcome: 'matched', events: [] };
  const data = { paymentId, statementId, dfspId, amountMinor, currency };
  return { outcome: 'matched', events: [{ type: 'PaymentReconciled', data }] };
}

function mismatch(
  state: PaymentState,
  line: LineToReconcile,
  kind: 'amount' | 'currency' | 'paid_but_failed' | 'paid_twice',
): { readonly outcome: LineOutcome; readonly events: PaymentEvent[] } {
  const outcome: LineOutcome =
    kind === 'paid_but_failed' || kind === 'paid_twice' ? kind : 'mismatched';
  const payment = state.instructed;
  if (payment === undefined) return { outcome: 'unknown', events: [] };
  if (state.mismatches.includes(`${line.statementId}|${kind}`)) return { outcome, events: [] };
  return {
    outcome,
    events: [
      {
        type: 'PaymentReconciliationMismatched',
        data: {
          paymentId: payment.paymentId,
          statementId: line.statementId,
          dfspId: line.dfspId,
          kind,
          statementAmountMinor: String(line.amountMinor),
          statementCurrency: line.currency,
          ledgerAmountMinor: payment.amountMinor,
          ledgerCurrency: payment.currency,
          ledgerStatus: state.status,
        },
      },
    ],
  };
}
