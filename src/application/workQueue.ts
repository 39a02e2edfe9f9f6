/**
 * The dispatch loops' port on the read models: the routed payments due for sending, the payments
 * left `submitted` for the status poller, the payments queued for a DFSP out of service, and the
 * registered DFSPs they go to. The dispatcher, the status poller and their DFSP directory depend
 * on this alone; the read side the HTTP API answers from (`ReadModelQueries`) includes it, so one
 * implementation on the read-model tables serves both.
 *
 * @example
 * const due = await workQueue.listPaymentsToSend({ now: new Date(), limit: 5_000 });
 */
export interface WorkQueue {
  /** The registered DFSPs in id order, keyset-paginated: `limit` 1 to 500, default 100. */
  listDfsps(filter: { readonly limit?: number; readonly cursor?: string }): Promise<{
    readonly items: readonly DfspToSendTo[];
    /** Opaque; null on the last page. */
    readonly nextCursor: string | null;
  }>;
  /**
   * Payments `routed` and due for sending (no retry time, or one at or before `now`), in payment
   * id order, at most `limit` (1 to 10,000), leaving out the DFSPs in `excludeDfspIds` (those
   * whose circuit is open). The dispatcher's work queue.
   */
  listPaymentsToSend(options: {
    readonly now: Date;
    readonly limit: number;
    readonly excludeDfspIds?: readonly string[];
  }): Promise<readonly PaymentToSend[]>;
  /**
   * Payments `submitted` whose last change is before `before`, longest-waiting first, at most
   * `limit`: the status poller asks their DFSPs about them.
   */
  listSubmittedBefore(
    before: Date,
    limit: number,
  ): Promise<readonly { readonly paymentId: string; readonly dfspId: string }[]>;
  /** Ids of payments `routed` to a DFSP, in id order after `after`: moved when its circuit opens. */
  listRoutedPaymentIds(dfspId: string, limit: number, after?: string): Promise<readonly string[]>;
}

/** A routed payment as the dispatcher sends it. */
export interface PaymentToSend {
  readonly paymentId: string;
  readonly dfspId: string;
  readonly payeeFa: string;
  readonly payeeName: string | null;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly purpose: string | null;
  /** When the row last changed (ms since the epoch): tells a stale row from a fresh one. */
  readonly updatedAtMs: number;
}

/** A registered DFSP as the dispatch loops need it: where to reach it and whether to send. */
export interface DfspToSendTo {
  readonly dfspId: string;
  readonly baseUrl: string;
  readonly payerFa: string;
  /** The most payments in one request; null when the DFSP declares no limit. */
  readonly maxBatchSize: number | null;
  readonly status: 'active' | 'suspended';
  readonly health: 'healthy' | 'unhealthy';
}
