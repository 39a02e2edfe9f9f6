import type { PaymentState } from './paymentState.js';
import type { WebhookEventType, WebhookFilters } from './webhookSubscription.js';

/**
 * One webhook message, before it is signed: the body's `type`, `timestamp` (when the ledger
 * event happened) and `data`, and the payment's or batch's ids the subscription filters by.
 */
export interface WebhookMessage {
  readonly type: WebhookEventType;
  readonly timestamp: string;
  readonly data: Readonly<Record<string, string | null>>;
  readonly programId?: string;
  readonly batchId?: string;
}

/** Where a ledger event sits in the feed and when it happened. */
export interface FeedPlace {
  readonly position: bigint;
  readonly occurredAt: string;
}

/**
 * The `payment.status_changed` message for a payment event, if it changed the payment's status
 * (a sending that failed with the DFSP possibly holding it, a reconciliation, a conflict change
 * none). `before` and `after` are the payment decider's states around the event.
 *
 * @example
 * paymentStatusMessage(routed, submitted, { position: 42n, occurredAt }); // status 'submitted'
 */
export function paymentStatusMessage(
  before: PaymentState,
  after: PaymentState,
  place: FeedPlace,
): WebhookMessage | undefined {
  const instructed = after.instructed;
  if (after.status === before.status || instructed === undefined) return undefined;
  return {
    type: 'payment.status_changed',
    timestamp: place.occurredAt,
    programId: instructed.programId,
    batchId: instructed.batchId,
    data: {
      paymentId: instructed.paymentId,
      batchId: instructed.batchId,
      programId: instructed.programId,
      reference: instructed.reference,
      status: after.status,
      previousStatus: before.status === 'none' ? null : before.status,
      statusReason: after.statusReason ?? null,
      dfspId: after.dfspId ?? null,
      position: place.position.toString(),
    },
  };
}

/** The status a batch event puts its batch in; undefined for events that change none. */
const BATCH_STATUS_BY_EVENT: Readonly<Record<string, string>> = {
  BatchOpened: 'open',
  BatchSubmitted: 'awaiting_approval',
  BatchApproved: 'approved',
  BatchRejected: 'rejected',
  BatchCancelled: 'cancelled',
  BatchCompleted: 'completed',
};

/** The batch event types that change a batch's status. */
export const BATCH_STATUS_EVENT_TYPES: readonly string[] = Object.keys(BATCH_STATUS_BY_EVENT);

/** The `batch.status_changed` message for a batch event that changes its status. */
export function batchStatusMessage(
  eventType: string,
  batch: { readonly batchId: string; readonly programId: string },
  place: FeedPlace,
): WebhookMessage | undefined {
  const status = BATCH_STATUS_BY_EVENT[eventType];
  if (status === undefined) return undefined;
  return {
    type: 'batch.status_changed',
    timestamp: place.occurredAt,
    programId: batch.programId,
    batchId: batch.batchId,
    data: { ...batch, status, position: place.position.toString() },
  };
}

/** The `statement.reconciled` message: a statement's lines reconciled and its balance checked. */
export function statementReconciledMessage(
  statement: { readonly statementId: string; readonly dfspId: string | null },
  balance: string,
  place: FeedPlace,
): WebhookMessage {
  return {
    type: 'statement.reconciled',
    timestamp: place.occurredAt,
    data: { ...statement, balance, position: place.position.toString() },
  };
}

/** The `dfsp.health_changed` message: a DFSP's circuit opened or closed. */
export function dfspHealthMessage(
  health: { readonly dfspId: string; readonly health: string; readonly reason: string },
  place: FeedPlace,
): WebhookMessage {
  return {
    type: 'dfsp.health_changed',
    timestamp: place.occurredAt,
    data: { ...health, position: place.position.toString() },
  };
}

/**
 * Whether a subscription wants a message: its type is one it named, and a payment's or batch's
 * programme and batch are in its filters (statements and DFSPs belong to no programme: filters
 * do not apply to them).
 */
export function wantsMessage(
  subscription: { readonly events: readonly WebhookEventType[]; readonly filters: WebhookFilters },
  message: WebhookMessage,
): boolean {
  if (!subscription.events.includes(message.type)) return false;
  const { programIds, batchIds } = subscription.filters;
  if (message.programId !== undefined && programIds !== undefined) {
    if (!programIds.includes(message.programId)) return false;
  }
  if (message.batchId !== undefined && batchIds !== undefined) {
    if (!batchIds.includes(message.batchId)) return false;
  }
  return true;
}
