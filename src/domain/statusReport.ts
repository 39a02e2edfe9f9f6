/**
 * A DFSP's word on one payment. `duplicate` (`rjct.reference_id.duplicate`) means the DFSP
 * already holds the payment: it is never a failure. `unknown_reference` means the DFSP said
 * explicitly, answering a status query, that it has no such payment: it does not hold it. An
 * answer that merely leaves a payment out is no such word.
 */
export interface StatusReport {
  readonly referenceId: string;
  readonly status: 'succeeded' | 'failed' | 'pending' | 'unknown_reference' | 'duplicate';
  readonly reasonCode?: string;
  readonly reasonMessage?: string;
  /** The DFSP's ISO 8601 timestamp of the status, as it sent it. */
  readonly timestamp?: string;
  /** The sending (request) it answers, where the protocol says (G2P Connect `transaction_id`). */
  readonly transactionId?: string;
}
