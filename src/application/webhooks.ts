import type { WebhookEventType, WebhookFilters } from '../domain/webhookSubscription.js';

/** A subscription as an administrator sets it (`PUT /v1/webhooks/{id}`). */
export interface WebhookSubscriptionInput {
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly filters: WebhookFilters;
  /** `whsec_…`: kept sealed, never answered. */
  readonly secret: string;
  readonly enabled: boolean;
}

/** A subscription as answered: no secret; its state and where its delivery stands. */
export interface WebhookSubscriptionView {
  readonly subscriptionId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly filters: WebhookFilters;
  readonly enabled: boolean;
  /** Why it is disabled (`disabled_by_admin`, `gone`, `failing_too_long`); null when enabled. */
  readonly disabledReason: string | null;
  /** The feed position up to which every message was delivered or was not wanted. */
  readonly checkpoint: string;
  readonly deliveries: {
    /** 1 while the first message not yet taken waits for a retry, else 0. */
    readonly inFlight: number;
    /** The failed attempts of the message being retried. */
    readonly failedAttempts: number;
    readonly nextAttemptAt: string | null;
    /** Messages delivered since the subscription was made. */
    readonly delivered: string;
  };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One attempt to deliver one message. */
export interface WebhookAttempt {
  readonly webhookId: string;
  readonly eventType: WebhookEventType;
  readonly position: string;
  readonly attempt: number;
  readonly at: string;
  readonly outcome: 'delivered' | 'failed';
  readonly statusCode: number | null;
  readonly error: string | null;
}

/** What the subscription endpoints read and change (the delivery loop keeps the rest). */
export interface WebhookSubscriptions {
  /** Creates (`created: true`) or replaces a subscription; a new one starts at `headPosition`. */
  put(
    subscriptionId: string,
    input: WebhookSubscriptionInput,
    headPosition: bigint,
  ): Promise<{ created: boolean; view: WebhookSubscriptionView }>;
  get(subscriptionId: string): Promise<WebhookSubscriptionView | undefined>;
  /** Every subscription, by id (there are few: each is one administrator-made endpoint). */
  list(): Promise<WebhookSubscriptionView[]>;
  /** The latest attempts, newest first. */
  attempts(subscriptionId: string, limit: number): Promise<WebhookAttempt[]>;
  /**
   * Moves the checkpoint back so that messages are delivered again from `fromPosition`
   * (inclusive), under the same webhook ids; false if there is no such subscription.
   */
  replay(subscriptionId: string, fromPosition: bigint): Promise<boolean>;
}

/** The most subscriptions the ledger keeps (each has a delivery loop of its own). */
export const MAX_WEBHOOK_SUBSCRIPTIONS = 100;
