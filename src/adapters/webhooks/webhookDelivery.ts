import { setMaxListeners } from 'node:events';
import { abortableSleep } from '../../application/abortableSleep.js';
import type { EventStore, RecordedEvent } from '../../application/eventStore.js';
import type { Logger } from '../../application/logger.js';
import { MAX_WEBHOOK_SUBSCRIPTIONS } from '../../application/webhooks.js';
import { type WebhookMessage, wantsMessage } from '../../domain/webhookMessages.js';
import { retryDelayMs } from '../../domain/webhookSubscription.js';
import type { AttemptRecord, DeliveryState, DeliverySubscription } from './deliveryState.js';
import { sendInOrder } from './orderedWindow.js';
import { feedFilterFor, WebhookMessageSource } from './webhookMessageSource.js';
import { sendWebhook } from './webhookSender.js';

/** Limits and timings of webhook delivery. */
export interface WebhookDeliverySettings {
  /** Per request: a subscriber that has not answered by then has failed this attempt. */
  readonly timeoutMs: number;
  /** The first retry's delay; each next one doubles, up to `retryMaxMs`, jittered. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** A message failing for this long disables its subscription (3 days). */
  readonly giveUpAfterMs: number;
  /** Messages in flight at once per subscription (of different payments, batches…). */
  readonly maxInFlight: number;
  /** Feed events read per round. */
  readonly pageSize: number;
  /** The wait when the feed has nothing new, and between looks for new subscriptions. */
  readonly idlePollMs: number;
  /** How long a subscription stays leased to this process without renewal. */
  readonly leaseMs: number;
}

export interface WebhookDeliveryDependencies {
  readonly store: EventStore;
  readonly state: DeliveryState;
  readonly logger: Logger;
  readonly settings: WebhookDeliverySettings;
  /** Draws the jitter (0 to 1); Math.random by default. */
  readonly random?: () => number;
}

type Round = { kind: 'more' } | { kind: 'idle' } | { kind: 'wait'; ms: number } | { kind: 'stop' };

/**
 * The dispatcher role's webhook loop: one worker per enabled subscription, each following the
 * global feed from its own checkpoint, in feed order per payment (batch, statement, DFSP): up
 * to `maxInFlight` messages at once, never two of one payment, so a payment's later status never
 * overtakes an earlier one still being retried. A message is retried on a doubling,
 * jittered schedule until delivered or `giveUpAfterMs` has passed (the subscription is then
 * disabled, its checkpoint still before the message); a `410 Gone` disables it at once.
 * The checkpoint is saved after each round with its attempts, so a restart delivers at most one
 * round again (at least once).
 *
 * @example
 * await createWebhookDelivery({ store, state, logger, settings }).run(shutdown.signal);
 */
export function createWebhookDelivery(deps: WebhookDeliveryDependencies) {
  const workers = new Map<string, Promise<void>>();
  return {
    async run(shutdown: AbortSignal): Promise<void> {
      // One listener on the service's signal; each worker sleeps on this one.
      const stop = new AbortController();
      setMaxListeners(MAX_WEBHOOK_SUBSCRIPTIONS + 10, stop.signal);
      shutdown.addEventListener('abort', () => stop.abort(), { once: true });
      if (shutdown.aborted) stop.abort();
      const { signal } = stop;
      while (!signal.aborted) {
        try {
          for (const id of await deps.state.enabledIds()) {
            if (workers.has(id)) continue;
            const worker = deliverSubscription(deps, id, signal)
              .catch((error: unknown) => {
                deps.logger.error(
                  { subscriptionId: id, err: String(error) },
                  'webhook worker failed',
                );
              })
              .finally(() => workers.delete(id));
            workers.set(id, worker);
          }
        } catch (error) {
          deps.logger.error({ err: String(error) }, 'webhook subscriptions could not be read');
        }
        await abortableSleep(deps.settings.idlePollMs * 5, signal);
      }
      await Promise.allSettled([...workers.values()]);
    },
  };
}

async function deliverSubscription(
  deps: WebhookDeliveryDependencies,
  subscriptionId: string,
  signal: AbortSignal,
): Promise<void> {
  const source = new WebhookMessageSource(deps.store);
  try {
    while (!signal.aborted) {
      const subscription = await deps.state.claim(subscriptionId);
      if (subscription === undefined) return;
      const round = await deliverRound(deps, source, subscription, signal);
      if (round.kind === 'stop') return;
      if (round.kind === 'idle') await abortableSleep(deps.settings.idlePollMs, signal);
      if (round.kind === 'wait') await abortableSleep(Math.min(round.ms, 1_000), signal);
    }
  } finally {
    await deps.state.release(subscriptionId);
  }
}

/** A feed event of a round and the message it makes for the subscription, if any. */
interface Entry {
  readonly event: RecordedEvent;
  readonly message: WebhookMessage | undefined;
}

/**
 * One round: the page of feed events after the checkpoint, their messages sent in feed order up
 * to `maxInFlight` at once (never two of one payment, batch, statement or DFSP at once, and one
 * only after the previous of its own was taken), until one fails or the page ends. The
 * checkpoint moves past every event up to the first message not taken.
 */
async function deliverRound(
  deps: WebhookDeliveryDependencies,
  source: WebhookMessageSource,
  subscription: DeliverySubscription,
  signal: AbortSignal,
): Promise<Round> {
  const { settings } = deps;
  const startedMs = Date.now();
  const waitMs = (subscription.nextAttemptAt?.getTime() ?? 0) - startedMs;
  if (waitMs > 0) return { kind: 'wait', ms: waitMs };
  const page = await deps.store.readAll({
    after: subscription.checkpoint,
    limit: settings.pageSize,
    filter: feedFilterFor(subscription.events),
  });
  const entries: Entry[] = [];
  for (const event of page.events) {
    const message = await source.messageOf(event);
    entries.push({
      event,
      message: message && wantsMessage(subscription, message) ? message : undefined,
    });
  }
  const wanted = entries.filter((entry) => entry.message !== undefined);
  const head = wanted[0]?.event.position;
  const attemptOf = (entry: Entry) =>
    entry.event.position === head ? subscription.pendingAttempts + 1 : 1;
  const outcomes = await sendInOrder(wanted, {
    maxInFlight: settings.maxInFlight,
    keyOf: (entry) => orderingKey(entry.message),
    send: (entry) =>
      sendWebhook(subscription, entry.message as WebhookMessage, entry.event.position, {
        timeoutMs: settings.timeoutMs,
      }),
    canStart: () => !signal.aborted && Date.now() - startedMs < settings.leaseMs / 2,
  });
  const attempts = outcomes.map((outcome, n) => ({
    ...outcome.record,
    attempt: attemptOf(wanted[n] as Entry),
  }));
  const progress = { checkpoint: subscription.checkpoint, delivered: 0, attempts };
  progress.delivered = outcomes.filter((outcome) => outcome.ok).length;
  const taken = new Set(wanted.filter((_, n) => outcomes[n]?.ok === true).map((e) => e.event));
  let blocked: Entry | undefined;
  for (const entry of entries) {
    if (entry.message !== undefined && !taken.has(entry.event)) {
      blocked = entry;
      break;
    }
    progress.checkpoint = entry.event.position;
  }
  if (blocked !== undefined) {
    const outcome = outcomes[wanted.indexOf(blocked)];
    if (outcome === undefined) return saved(deps, subscription, progress, { kind: 'more' });
    const isHead = blocked.event.position === head;
    const failure = {
      attempt: attemptOf(blocked),
      since: (isHead ? subscription.pendingSince : undefined) ?? new Date(startedMs),
      retryAfterMs: outcome.retryAfterMs,
    };
    return failed(deps, subscription, progress, blocked.event, failure, outcome.status);
  }
  const done = page.events.length === 0 && (page.next ?? 0n) <= progress.checkpoint;
  // Nothing new: the claim that began the round already renewed the lease.
  if (done) return { kind: 'idle' };
  if (page.next !== undefined && page.next > progress.checkpoint) progress.checkpoint = page.next;
  return saved(deps, subscription, progress, { kind: 'more' });
}

/** Messages of one key go out one at a time, in feed order. */
function orderingKey(message: WebhookMessage | undefined): string {
  const data = message?.data ?? {};
  const id = data.paymentId ?? data.statementId ?? data.batchId ?? data.dfspId ?? '';
  return `${message?.type ?? ''}:${id}`;
}

/** Records a failed attempt: the subscription waits for the retry, or is disabled. */
async function failed(
  deps: WebhookDeliveryDependencies,
  subscription: DeliverySubscription,
  progress: { checkpoint: bigint; delivered: number; attempts: AttemptRecord[] },
  event: RecordedEvent,
  failure: { attempt: number; since: Date; retryAfterMs: number | undefined },
  status: number | undefined,
): Promise<Round> {
  const { settings } = deps;
  const nowMs = Date.now();
  const log = { subscriptionId: subscription.subscriptionId, position: String(event.position) };
  if (status === 410) {
    deps.logger.warn({ ...log, status }, 'webhook subscriber answered 410 Gone: disabled');
    return saved(deps, subscription, { ...progress, disable: 'gone' }, { kind: 'stop' });
  }
  if (nowMs - failure.since.getTime() >= settings.giveUpAfterMs) {
    deps.logger.error({ ...log, attempts: failure.attempt }, 'webhook failing too long: disabled');
    return saved(
      deps,
      subscription,
      { ...progress, disable: 'failing_too_long' },
      { kind: 'stop' },
    );
  }
  const schedule = { baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs };
  const delayMs = Math.min(
    settings.retryMaxMs,
    Math.max(
      retryDelayMs(failure.attempt, schedule, (deps.random ?? Math.random)()),
      failure.retryAfterMs ?? 0,
    ),
  );
  deps.logger.warn(
    { ...log, status, attempts: failure.attempt, delayMs },
    'webhook attempt failed',
  );
  const pending = {
    attempts: failure.attempt,
    since: failure.since,
    nextAt: new Date(nowMs + delayMs),
  };
  return saved(deps, subscription, { ...progress, pending }, { kind: 'wait', ms: delayMs });
}

async function saved(
  deps: WebhookDeliveryDependencies,
  subscription: DeliverySubscription,
  progress: Parameters<DeliveryState['save']>[1],
  round: Round,
): Promise<Round> {
  const current = await deps.state.save(subscription, progress);
  // Changed by an administrator meanwhile (a replay, new settings): start again from the row.
  return current ? round : { kind: 'more' };
}
