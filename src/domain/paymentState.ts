import type { PaymentEvent } from './paymentEvents.js';

type EventData<Type extends PaymentEvent['type']> = Extract<PaymentEvent, { type: Type }>['data'];

/** Where a payment stands in its life: what the payment decider folds its events into. */
export type PaymentStatus =
  | 'none'
  | 'pending'
  | 'routed'
  | 'unroutable'
  | 'submitted'
  | 'succeeded'
  | 'failed'
  | 'returned'
  | 'cancelled';

export interface PaymentState {
  readonly status: PaymentStatus;
  readonly instructed?: EventData<'PaymentInstructed'>;
  readonly dfspId?: string;
  readonly ruleId?: string;
  readonly rulesVersion?: number;
  readonly statusReason?: string;
  /** The transaction (request) of the latest sending: a refusal must answer this one. */
  readonly transactionId?: string;
  /** Sendings so far, to any DFSP. */
  readonly attempts: number;
  /** Sendings since the payment was last routed. */
  readonly attemptsOnRoute: number;
  /** After a failed sending, the time before which it is not sent again. */
  readonly retryAt?: string;
  /** Contradicting reports already recorded, so the same one twice is recorded once. */
  readonly conflicts: readonly string[];
  /** Whether a DFSP statement showed the payment as the ledger holds it. */
  readonly reconciliation: 'unreconciled' | 'matched' | 'mismatched';
  /** Mismatches already recorded (`statementId|kind`), so a statement read again adds none. */
  readonly mismatches: readonly string[];
  /**
   * Sent, and the sending's outcome unknown (a timeout, a lost connection, a 5xx): the DFSP may
   * hold the payment and has not said. Listed for operators to resolve where it cannot be asked.
   */
  readonly inDoubt?: boolean;
  /** The DFSP's own id of the payment, as it named it when it took the latest sending. */
  readonly dfspTransactionId?: string;
  /** An outcome proposed for a payment in doubt, waiting for a second principal. */
  readonly proposal?: {
    readonly outcome: 'succeeded' | 'failed';
    readonly evidence: string;
    readonly by: string;
  };
}
