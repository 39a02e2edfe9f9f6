import type { WebhookMessage } from '../../domain/webhookMessages.js';
import { webhookMessageId } from '../../domain/webhookSubscription.js';
import type { AttemptRecord, DeliverySubscription } from './deliveryState.js';
import { signWebhook } from './webhookSignature.js';

/** The outcome of one POST to a subscriber. */
export interface SendResult {
  /** A 2xx answer (a redirect is a failure: it is not followed). */
  readonly ok: boolean;
  /** The answer's status; undefined when none came (refused, timed out, reset). */
  readonly status: number | undefined;
  /** The subscriber's `retry-after` (seconds), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The attempt as recorded, its number still to be set. */
  readonly record: Omit<AttemptRecord, 'attempt'>;
}

/** The most `retry-after` honoured: a day (the retry schedule's own ceiling applies too). */
const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * POSTs one message, signed per Standard Webhooks: `webhook-id` (the same for every attempt of
 * this message), `webhook-timestamp` (this attempt's unix seconds), `webhook-signature`. The body
 * is `{"type", "timestamp", "data"}`; the answer's body is not read.
 */
export async function sendWebhook(
  subscription: Pick<DeliverySubscription, 'subscriptionId' | 'url' | 'key'>,
  message: WebhookMessage,
  position: bigint,
  options: { readonly timeoutMs: number },
): Promise<SendResult> {
  const webhookId = webhookMessageId(subscription.subscriptionId, position);
  const body = JSON.stringify({
    type: message.type,
    timestamp: message.timestamp,
    data: message.data,
  });
  const at = new Date();
  const timestamp = Math.floor(at.getTime() / 1_000);
  const base = {
    webhook_id: webhookId,
    event_type: message.type,
    position: position.toString(),
    at: at.toISOString(),
  };
  try {
    const response = await fetch(subscription.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'g2p-ledger-webhooks',
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(subscription.key, webhookId, timestamp, body),
      },
      body,
      // The time limit alone: a shutdown waits for at most one request in flight per subscription.
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      status: response.status,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      record: {
        ...base,
        outcome: ok ? 'delivered' : 'failed',
        status_code: response.status,
        error: null,
      },
    };
  } catch (error) {
    return {
      ok: false,
      status: undefined,
      retryAfterMs: undefined,
      record: { ...base, outcome: 'failed', status_code: null, error: describe(error) },
    };
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()) * 1_000, MAX_RETRY_AFTER_MS);
}

/** A failure as recorded: its kind and code (`ECONNREFUSED`, `TimeoutError`), never a URL. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'request failed';
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return (code ?? error.name).slice(0, 100);
}
