import type { MigrationSet, SqlExecutor } from '../../application/sqlDatabase.js';
import {
  MAX_WEBHOOK_SUBSCRIPTIONS,
  type WebhookAttempt,
  type WebhookSubscriptions,
  type WebhookSubscriptionView,
} from '../../application/webhooks.js';
import { DomainError } from '../../domain/domainError.js';
import type { WebhookEventType, WebhookFilters } from '../../domain/webhookSubscription.js';
import type { Sealer } from '../secrets/sealing.js';

/**
 * Webhook subscriptions and their delivery state live in SQL, not in the event log: a
 * subscription is configuration with a secret that must be replaceable and removable, and its
 * checkpoint moves with every message delivered (thousands of writes that are no ledger fact).
 * One row per subscription: its settings, its sealed secret, its checkpoint, the retry state of
 * the message at its head and a lease (one dispatcher delivers it at a time); one row per recent
 * attempt (the latest {@link KEPT_ATTEMPTS} are kept).
 */
export const webhookMigrations: MigrationSet = {
  component: 'webhooks',
  migrations: [
    {
      version: 1,
      name: 'webhook subscriptions, checkpoints and attempts',
      sql: `CREATE TABLE webhook_subscriptions (
  subscription_id text PRIMARY KEY,
  url text NOT NULL,
  events text NOT NULL,
  filters text NOT NULL,
  key_id text NOT NULL,
  sealed_secret text NOT NULL,
  enabled boolean NOT NULL,
  disabled_reason text,
  checkpoint bigint NOT NULL,
  generation integer NOT NULL DEFAULT 0,
  pending_attempts integer NOT NULL DEFAULT 0,
  pending_since timestamptz,
  next_attempt_at timestamptz,
  delivered bigint NOT NULL DEFAULT 0,
  lease_owner text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE webhook_attempts (
  attempt_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id text NOT NULL,
  webhook_id text NOT NULL,
  event_type text NOT NULL,
  position bigint NOT NULL,
  attempt integer NOT NULL,
  at timestamptz NOT NULL,
  outcome text NOT NULL,
  status_code integer,
  error text
);
CREATE INDEX webhook_attempts_latest ON webhook_attempts (subscription_id, attempt_id DESC)`,
    },
  ],
};

/** The attempts kept per subscription; older ones are deleted as new ones are written. */
export const KEPT_ATTEMPTS = 1_000;

/** What a sealed webhook secret is bound to: it cannot move to another subscription. */
export const webhookSecretBinding = (subscriptionId: string) => `webhook-secret:${subscriptionId}`;

interface SubscriptionRow {
  subscription_id: string;
  url: string;
  events: string;
  filters: string;
  key_id: string;
  sealed_secret: string;
  enabled: boolean;
  disabled_reason: string | null;
  checkpoint: string;
  generation: number;
  pending_attempts: number;
  pending_since: string | null;
  next_attempt_at: string | null;
  delivered: string;
  created_at: string;
  updated_at: string;
}

export const SUBSCRIPTION_COLUMNS = `subscription_id, url, events, filters, key_id, sealed_secret,
  enabled, disabled_reason, checkpoint::text AS checkpoint, generation, pending_attempts,
  pending_since::text AS pending_since, next_attempt_at::text AS next_attempt_at,
  delivered::text AS delivered, created_at::text AS created_at, updated_at::text AS updated_at`;

const iso = (text: string | null) => (text === null ? null : new Date(text).toISOString());

function viewOf(row: SubscriptionRow): WebhookSubscriptionView {
  return {
    subscriptionId: row.subscription_id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    filters: JSON.parse(row.filters) as WebhookFilters,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    checkpoint: row.checkpoint,
    deliveries: {
      inFlight: row.pending_attempts > 0 ? 1 : 0,
      failedAttempts: row.pending_attempts,
      nextAttemptAt: iso(row.next_attempt_at),
      delivered: row.delivered,
    },
    createdAt: iso(row.created_at) ?? '',
    updatedAt: iso(row.updated_at) ?? '',
  };
}

export type { SubscriptionRow };

/** The subscription endpoints' store, sealing secrets with `sealer`. */
export function createWebhookSubscriptions(sql: SqlExecutor, sealer: Sealer): WebhookSubscriptions {
  return {
    async put(subscriptionId, input, headPosition) {
      const existing = await sql.query<{ count: string; present: boolean }>(
        `SELECT count(*)::text AS count, bool_or(subscription_id = $1) AS present
         FROM webhook_subscriptions`,
        [subscriptionId],
      );
      const counted = existing.rows[0];
      if (counted?.present !== true && Number(counted?.count ?? '0') >= MAX_WEBHOOK_SUBSCRIPTIONS) {
        throw new DomainError(
          'too_many_webhooks',
          `at most ${MAX_WEBHOOK_SUBSCRIPTIONS} webhook subscriptions`,
        );
      }
      const { rows } = await sql.query<SubscriptionRow & { created: boolean }>(
        `INSERT INTO webhook_subscriptions AS s (subscription_id, url, events, filters, key_id,
           sealed_secret, enabled, disabled_reason, checkpoint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::bigint)
         ON CONFLICT (subscription_id) DO UPDATE SET
           url = excluded.url, events = excluded.events, filters = excluded.filters,
           key_id = excluded.key_id, sealed_secret = excluded.sealed_secret,
           enabled = excluded.enabled, disabled_reason = excluded.disabled_reason,
           pending_attempts = CASE WHEN s.enabled THEN s.pending_attempts ELSE 0 END,
           pending_since = CASE WHEN s.enabled THEN s.pending_since ELSE NULL END,
           next_attempt_at = NULL, generation = s.generation + 1, updated_at = now()
         RETURNING (xmax = 0) AS created, ${SUBSCRIPTION_COLUMNS}`,
        [
          subscriptionId,
          input.url,
          JSON.stringify(input.events),
          JSON.stringify(input.filters),
          sealer.keyId,
          sealer.seal(input.secret, webhookSecretBinding(subscriptionId)),
          input.enabled,
          input.enabled ? null : 'disabled_by_admin',
          headPosition.toString(),
        ],
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`webhook ${subscriptionId} was not written`);
      return { created: row.created, view: viewOf(row) };
    },

    async get(subscriptionId) {
      const { rows } = await sql.query<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE subscription_id = $1`,
        [subscriptionId],
      );
      return rows[0] === undefined ? undefined : viewOf(rows[0]);
    },

    async list() {
      const { rows } = await sql.query<SubscriptionRow>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY subscription_id
         LIMIT ${MAX_WEBHOOK_SUBSCRIPTIONS}`,
      );
      return rows.map(viewOf);
    },

    async attempts(subscriptionId, limit) {
      const { rows } = await sql.query<{
        webhook_id: string;
        event_type: WebhookEventType;
        position: string;
        attempt: number;
        at: string;
        outcome: 'delivered' | 'failed';
        status_code: number | null;
        error: string | null;
      }>(
        `SELECT webhook_id, event_type, position::text AS position, attempt, at::text AS at,
           outcome, status_code, error
         FROM webhook_attempts WHERE subscription_id = $1 ORDER BY attempt_id DESC LIMIT $2`,
        [subscriptionId, limit],
      );
      return rows.map(
        (row): WebhookAttempt => ({
          webhookId: row.webhook_id,
          eventType: row.event_type,
          position: row.position,
          attempt: row.attempt,
          at: iso(row.at) ?? '',
          outcome: row.outcome,
          statusCode: row.status_code,
          error: row.error,
        }),
      );
    },

    async replay(subscriptionId, fromPosition) {
      const { rowCount } = await sql.query(
        `UPDATE webhook_subscriptions SET checkpoint = $2::bigint, generation = generation + 1,
           pending_attempts = 0, pending_since = NULL, next_attempt_at = NULL, updated_at = now()
         WHERE subscription_id = $1`,
        [subscriptionId, (fromPosition > 0n ? fromPosition - 1n : 0n).toString()],
      );
      return rowCount > 0;
    },
  };
}

/**
 * Re-seals every webhook secret sealed under `from` under `to`, inside the caller's transaction
 * (`npm run rotate-secrets-key`); secrets already under `to` are left as they are, one under
 * neither key stops it. Answers how many it re-sealed.
 */
export async function resealWebhookSecrets(
  tx: SqlExecutor,
  from: Sealer,
  to: Sealer,
): Promise<number> {
  const { rows } = await tx.query<{
    subscription_id: string;
    key_id: string;
    sealed_secret: string;
  }>(
    `SELECT subscription_id, key_id, sealed_secret FROM webhook_subscriptions
     ORDER BY subscription_id FOR UPDATE`,
  );
  let resealed = 0;
  for (const row of rows) {
    if (row.key_id === to.keyId) continue;
    if (row.key_id !== from.keyId) {
      throw new Error(
        `the secret of webhook ${row.subscription_id} is sealed under an unknown key`,
      );
    }
    const binding = webhookSecretBinding(row.subscription_id);
    await tx.query(
      `UPDATE webhook_subscriptions SET key_id = $2, sealed_secret = $3 WHERE subscription_id = $1`,
      [row.subscription_id, to.keyId, to.seal(from.unseal(row.sealed_secret, binding), binding)],
    );
    resealed += 1;
  }
  return resealed;
}
