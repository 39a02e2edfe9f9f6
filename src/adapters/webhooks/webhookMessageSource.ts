import type { EventStore, FeedFilter, RecordedEvent } from '../../application/eventStore.js';
import { batchStream } from '../../domain/batchEvents.js';
import { paymentDecider } from '../../domain/paymentDecider.js';
import { type PaymentEvent, paymentEvents } from '../../domain/paymentEvents.js';
import type { PaymentState } from '../../domain/paymentState.js';
import { statementStream } from '../../domain/statementEvents.js';
import {
  BATCH_STATUS_EVENT_TYPES,
  batchStatusMessage,
  dfspHealthMessage,
  paymentStatusMessage,
  statementReconciledMessage,
  type WebhookMessage,
} from '../../domain/webhookMessages.js';
import type { WebhookEventType } from '../../domain/webhookSubscription.js';

/** The payments whose state is kept between events; past it the cache starts afresh. */
const MAX_CACHED = 50_000;

const PAYMENT_EVENT_TYPES = paymentEvents.map((event) => event.type);

/** The ledger events each kind of message is made from. */
const SOURCE_TYPES: Readonly<Record<WebhookEventType, readonly string[]>> = {
  'payment.status_changed': PAYMENT_EVENT_TYPES,
  'batch.status_changed': BATCH_STATUS_EVENT_TYPES,
  'statement.reconciled': ['StatementBalanceChecked'],
  'dfsp.health_changed': ['DfspHealthChanged'],
};

/** The feed filter that reads only the events the message kinds are made from. */
export function feedFilterFor(events: readonly WebhookEventType[]): FeedFilter {
  return { eventTypes: [...new Set(events.flatMap((type) => SOURCE_TYPES[type]))] };
}

/**
 * Turns feed events into webhook messages. A payment's message needs its state before and after
 * the event (did the status change? its batch, programme, reference): the state after each event
 * is kept per payment, and where it is not the state just before (a restart, a replay, a retry),
 * the payment's stream is read and folded up to the event. A batch's programme and a statement's
 * DFSP are read from the first event of their stream and kept.
 */
export class WebhookMessageSource {
  private readonly payments = new Map<string, { revision: bigint; state: PaymentState }>();
  private readonly firstEvents = new Map<string, Record<string, unknown>>();

  constructor(private readonly store: EventStore) {}

  /** The message an event makes, if any (before any subscription's filters). */
  async messageOf(event: RecordedEvent): Promise<WebhookMessage | undefined> {
    const place = { position: event.position, occurredAt: event.metadata.occurredAt };
    const data = event.data as Record<string, string>;
    if (event.stream.startsWith('payment-')) {
      const before = await this.paymentStateBefore(event);
      const after = paymentDecider.evolve(before, event as unknown as PaymentEvent);
      this.keep(event.stream, { revision: event.revision, state: after });
      return paymentStatusMessage(before, after, place);
    }
    if (event.stream.startsWith('batch-')) {
      const batchId = data.batchId ?? '';
      const opened = await this.firstEventOf(batchStream(batchId));
      const programId = String(opened?.programId ?? '');
      return batchStatusMessage(event.type, { batchId, programId }, place);
    }
    if (event.type === 'StatementBalanceChecked') {
      const statementId = data.statementId ?? '';
      const imported = await this.firstEventOf(statementStream(statementId));
      const dfspId = typeof imported?.dfspId === 'string' ? imported.dfspId : null;
      return statementReconciledMessage({ statementId, dfspId }, data.outcome ?? '', place);
    }
    if (event.type === 'DfspHealthChanged') {
      const { dfspId = '', health = '', reason = '' } = data;
      return dfspHealthMessage({ dfspId, health, reason }, place);
    }
    return undefined;
  }

  private async paymentStateBefore(event: RecordedEvent): Promise<PaymentState> {
    const kept = this.payments.get(event.stream);
    if (kept !== undefined && kept.revision === event.revision - 1n) return kept.state;
    if (event.revision === 0n) return paymentDecider.initialState();
    const earlier = await this.store.readStream(event.stream, {
      maxCount: Number(event.revision),
    });
    return earlier.reduce(
      (state, recorded) => paymentDecider.evolve(state, recorded as unknown as PaymentEvent),
      paymentDecider.initialState(),
    );
  }

  private keep(stream: string, entry: { revision: bigint; state: PaymentState }): void {
    if (this.payments.size >= MAX_CACHED) this.payments.clear();
    this.payments.set(stream, entry);
  }

  private async firstEventOf(stream: string): Promise<Record<string, unknown> | undefined> {
    const kept = this.firstEvents.get(stream);
    if (kept !== undefined) return kept;
    const [first] = await this.store.readStream(stream, { maxCount: 1 });
    const data = first?.data as Record<string, unknown> | undefined;
    if (data !== undefined) {
      if (this.firstEvents.size >= MAX_CACHED) this.firstEvents.clear();
      this.firstEvents.set(stream, data);
    }
    return data;
  }
}
