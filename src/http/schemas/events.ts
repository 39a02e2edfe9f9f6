import { z } from '@hono/zod-openapi';

/** The most events one `GET /v1/events` answers. */
export const MAX_FEED_PAGE = 1_000;
/** Events per page when `limit` is not given. */
export const DEFAULT_FEED_PAGE = 100;
/** The most event types one feed request filters on. */
export const MAX_FEED_TYPES = 50;

const MAX_POSITION = 2n ** 63n - 1n;
const POSITION = /^(0|[1-9]\d{0,18})$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

/** A feed position: a decimal string, since positions are 64-bit. */
export const PositionSchema = z
  .string()
  .regex(POSITION, 'must be a decimal position such as "1024"')
  // zod runs every check, so this one must not assume the pattern matched.
  .refine(
    (text) => !POSITION.test(text) || BigInt(text) <= MAX_POSITION,
    'must be at most 2^63 - 1',
  )
  .openapi({ example: '1024' });

/**
 * `?after&limit&type`. `type` may be repeated (`type=A&type=B`) or comma-separated
 * (`type=A,B`); {@link eventTypesOf} reads both.
 */
export const FeedQuerySchema = z.strictObject({
  after: PositionSchema.optional().openapi({
    description: 'exclusive: the `next` of the previous page; from the start when omitted',
  }),
  limit: z.coerce
    .number({ error: 'must be an integer from 1 to 1000' })
    .int('must be an integer from 1 to 1000')
    .min(1, 'must be an integer from 1 to 1000')
    .max(MAX_FEED_PAGE, 'must be an integer from 1 to 1000')
    .optional()
    .openapi({ description: '1 to 1000; default 100' }),
  type: z
    .union([z.string().max(2_000), z.array(z.string().max(2_000)).max(MAX_FEED_TYPES)])
    .optional()
    .refine((value) => value === undefined || eventTypesOf(value) !== undefined, {
      message: `event types are names such as "PaymentSucceeded", at most ${MAX_FEED_TYPES}`,
    })
    .openapi({ description: 'only events of these types; repeat it or separate with commas' }),
});

/**
 * The event types of a `type` query parameter, repeated or comma-separated; undefined when one
 * is not an event type name or there are more than {@link MAX_FEED_TYPES}.
 *
 * @example
 * eventTypesOf(['PaymentSucceeded,PaymentFailed', 'BatchApproved']);
 * // ['PaymentSucceeded', 'PaymentFailed', 'BatchApproved']
 */
export function eventTypesOf(value: string | readonly string[]): string[] | undefined {
  const types = (typeof value === 'string' ? [value] : value)
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (types.length > MAX_FEED_TYPES || !types.every((type) => EVENT_TYPE.test(type))) {
    return undefined;
  }
  return [...new Set(types)];
}

/** One recorded event as the feed and a payment's history show it. */
export const FeedEventSchema = z
  .object({
    position: z.string().openapi({ example: '1024' }),
    stream: z.string().openapi({ example: 'payment-01JB4Z6Q0X8Y7W3V2T1S0R9P8N' }),
    revision: z.string().openapi({ example: '3' }),
    type: z.string().openapi({ example: 'PaymentSucceeded' }),
    data: z.unknown(),
    metadata: z.object({
      occurredAt: z.string(),
      actor: z.string(),
      correlationId: z.string(),
      causationId: z.string().nullable(),
    }),
  })
  .openapi('Event');

export const FeedPageSchema = z
  .object({
    events: z.array(FeedEventSchema).readonly(),
    next: PositionSchema.openapi({ description: 'pass it as `after` for the next page' }),
  })
  .openapi('EventPage');

export const PaymentHistorySchema = z
  .object({ events: z.array(FeedEventSchema).readonly() })
  .openapi('PaymentHistory');
