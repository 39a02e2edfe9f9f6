import type { SqlDatabase } from '../../application/sqlDatabase.js';
import type { WebhookEventType, WebhookFilters } from '../../domain/webhookSubscription.js';
import { webhookSecretKey } from '../../domain/webhookSubscription.js';
import {
  KEPT_ATTEMPTS,
  SUBSCRIPTION_COLUMNS,
  type SubscriptionRow,
  webhookSecretBinding,
} from '../postgres/webhookSubscriptions.js';
import type { Sealer } from '../secrets/sealing.js';

/** A subscription as its delivery loop holds it while it holds the lease. */
export interface DeliverySubscription {
  readonly subscriptionId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly filters: WebhookFilters;
  /** The HMAC key (the secret's decoded bytes). */
  readonly key: Buffer;
  readonly checkpoint: bigint;
  /** Bumped by every change an administrator makes: progress under an older one is stale. */
  readonly generation: number;
  /** The failed attempts of the message at the head, when one is being retried. */
  readonly pendingAttempts: number;
  readonly pendingSince: Date | undefined;
  readonly nextAttemptAt: Date | undefined;
}

/** One attempt, as recorded. */
export interface AttemptRecord {
  readonly webhook_id: string;
  readonly event_type: WebhookEventType;
  readonly position: string;
  readonly attempt: number;
  readonly at: string;
  readonly outcome: 'delivered' | 'failed';
  readonly status_code: number | null;
  readonly error: string | null;
}

/** Where a delivery loop got to: written with its attempts in one transaction. */
export interface DeliveryProgress {
  readonly checkpoint: bigint;
  readonly delivered: number;
  readonly attempts: readonly AttemptRecord[];
  /** The head message's retry state; undefined when nothing is being retried. */
  readonly pending?: { readonly attempts: number; readonly since: Date; readonly nextAt: Date };
  /** Disables the subscription with this reason (`gone`, `failing_too_long`). */
  readonly disable?: string;
}

/** The delivery loops' view of the subscription tables (see webhookSubscriptions.ts). */
export interface DeliveryState {
  enabledIds(): Promise<string[]>;
  /** Takes or renews the lease; undefined if disabled, removed or leased to another owner. */
  claim(subscriptionId: string): Promise<DeliverySubscription | undefined>;
  /** False when an administrator changed the subscription meanwhile (the progress is dropped). */
  save(subscription: DeliverySubscription, progress: DeliveryProgress): Promise<boolean>;
  release(subscriptionId: string): Promise<void>;
}

/**
 * The delivery state in SQL for one process (`owner`): a lease of `leaseMs` lets one dispatcher
 * at a time deliver a subscription, so its messages leave in feed order.
 */
export function createDeliveryState(
  db: SqlDatabase,
  sealer: Sealer,
  options: { readonly owner: string; readonly leaseMs: number },
): DeliveryState {
  const { owner, leaseMs } = options;
  return {
    async enabledIds() {
      const { rows } = await db.query<{ subscription_id: string }>(
        'SELECT subscription_id FROM webhook_subscriptions WHERE enabled ORDER BY subscription_id',
      );
      return rows.map((row) => row.subscription_id);
    },

    async claim(subscriptionId) {
      const { rows } = await db.query<SubscriptionRow>(
        `UPDATE webhook_subscriptions
         SET lease_owner = $2, lease_until = now() + $3::integer * interval '1 millisecond'
         WHERE subscription_id = $1 AND enabled
           AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < now())
         RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [subscriptionId, owner, leaseMs],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      if (row.key_id !== sealer.keyId) {
        throw new Error(`the secret of webhook ${subscriptionId} is sealed under another key`);
      }
      return {
        subscriptionId,
        url: row.url,
        events: JSON.parse(row.events) as WebhookEventType[],
        filters: JSON.parse(row.filters) as WebhookFilters,
        key: webhookSecretKey(
          sealer.unseal(row.sealed_secret, webhookSecretBinding(subscriptionId)),
        ),
        checkpoint: BigInt(row.checkpoint),
        generation: row.generation,
        pendingAttempts: row.pending_attempts,
        pendingSince: row.pending_since === null ? undefined : new Date(row.pending_since),
        nextAttemptAt: row.next_attempt_at === null ? undefined : new Date(row.next_attempt_at),
      };
    },

    save: (subscription, progress) =>
      db.transaction((tx) => saveProgress(tx, subscription, progress)),

    async release(subscriptionId) {
      await db.query(
        `UPDATE webhook_subscriptions SET lease_owner = NULL, lease_until = NULL
         WHERE subscription_id = $1 AND lease_owner = $2`,
        [subscriptionId, owner],
      );
    },
  };
}

async function saveProgress(
  tx: Pick<SqlDatabase, 'query'>,
  subscription: DeliverySubscription,
  progress: DeliveryProgress,
): Promise<boolean> {
  const id = subscription.subscriptionId;
  if (progress.attempts.length > 0) {
    await tx.query(
      `INSERT INTO webhook_attempts (subscription_id, webhook_id, event_type, position, attempt,
         at, outcome, status_code, error)
       SELECT $1, r.webhook_id, r.event_type, r.position::bigint, r.attempt, r.at, r.outcome,
         r.status_code, r.error
       FROM json_to_recordset($2::json) AS r(webhook_id text, event_type text, position text,
         attempt integer, at timestamptz, outcome text, status_code integer, error text)`,
      [id, JSON.stringify(progress.attempts)],
    );
    await tx.query(
      `DELETE FROM webhook_attempts WHERE subscription_id = $1 AND attempt_id <= (
         SELECT attempt_id FROM webhook_attempts WHERE subscription_id = $1
         ORDER BY attempt_id DESC OFFSET $2 LIMIT 1)`,
      [id, KEPT_ATTEMPTS],
    );
  }
  const { pending } = progress;
  const { rowCount } = await tx.query(
    `UPDATE webhook_subscriptions SET checkpoint = $3::bigint, delivered = delivered + $4,
       pending_attempts = $5, pending_since = $6::timestamptz, next_attempt_at = $7::timestamptz,
       enabled = enabled AND $8::text IS NULL, disabled_reason = coalesce($8::text, disabled_reason),
       updated_at = now()
     WHERE subscription_id = $1 AND generation = $2`,
    [
      id,
      subscription.generation,
      progress.checkpoint.toString(),
      progress.delivered,
      pending?.attempts ?? 0,
      pending?.since.toISOString() ?? null,
      pending?.nextAt.toISOString() ?? null,
      progress.disable ?? null,
    ],
  );
  return rowCount > 0;
}
