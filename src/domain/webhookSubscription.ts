import { checkDfspUrl, type DfspUrlPolicy } from './dfspUrlPolicy.js';
import { DomainError } from './domainError.js';

/** The kinds of webhook message the ledger sends (DESIGN.md, "The programme's side"). */
export const WEBHOOK_EVENT_TYPES = [
  'payment.status_changed',
  'batch.status_changed',
  'statement.reconciled',
  'dfsp.health_changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Which payments and batches a subscription hears of; absent lists let every one through. */
export interface WebhookFilters {
  readonly programIds?: readonly string[];
  readonly batchIds?: readonly string[];
}

/** The fewest and most random bytes a `whsec_` secret may hold (Standard Webhooks). */
export const WEBHOOK_SECRET_MIN_BYTES = 24;
export const WEBHOOK_SECRET_MAX_BYTES = 64;

/**
 * The HMAC key of a Standard Webhooks secret: the bytes of the base64 after `whsec_`. Throws
 * `webhook_secret_invalid` (naming `secret`) for anything else, or fewer than 24 or more than 64
 * bytes.
 *
 * @example
 * webhookSecretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'); // 24 bytes
 */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : undefined;
  if (encoded === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw invalidSecret('must be "whsec_" followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < WEBHOOK_SECRET_MIN_BYTES || key.length > WEBHOOK_SECRET_MAX_BYTES) {
    throw invalidSecret(
      `must hold ${WEBHOOK_SECRET_MIN_BYTES} to ${WEBHOOK_SECRET_MAX_BYTES} random bytes, not ${key.length}`,
    );
  }
  return key;
}

function invalidSecret(message: string): DomainError {
  return new DomainError('webhook_secret_invalid', `secret ${message}`, ['secret']);
}

/**
 * Refuses a subscriber URL the DFSP URL policy would refuse (scheme, loopback and metadata
 * hosts): a webhook carries payment data out of the ledger's network like a DFSP request does.
 * Only `http` and `https` are webhook schemes.
 */
export function checkWebhookUrl(url: string, policy: DfspUrlPolicy): void {
  if (!/^https?:\/\//i.test(url)) {
    throw new DomainError('webhook_url_refused', 'url must be an http or https URL', ['url']);
  }
  try {
    checkDfspUrl(url, policy);
  } catch (error) {
    if (error instanceof DomainError) {
      throw new DomainError('webhook_url_refused', error.message.replace(/^baseUrl/, 'url'), [
        'url',
      ]);
    }
    throw error;
  }
}

/**
 * The `webhook-id` of the message a feed event makes for a subscription: the same on every
 * attempt, after a restart and on a replay, and different for every subscription.
 *
 * @example
 * webhookMessageId('erp', 1234n); // 'msg_erp_1234'
 */
export function webhookMessageId(subscriptionId: string, position: bigint): string {
  return `msg_${subscriptionId}_${position}`;
}

/**
 * The delay before attempt `attempt + 1` after `attempt` failed ones: doubling from `baseMs`,
 * capped at `maxMs`, scaled by `jitter` (0 to 1; half to all of the delay) so that subscribers
 * coming back are not hit all at once.
 *
 * @example
 * retryDelayMs(3, { baseMs: 5_000, maxMs: 3_600_000 }, 1); // 20_000
 */
export function retryDelayMs(
  attempt: number,
  schedule: { readonly baseMs: number; readonly maxMs: number },
  jitter: number,
): number {
  const doubled = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(doubled * (0.5 + jitter / 2));
}
