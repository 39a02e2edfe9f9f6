import { z } from 'zod';

/**
 * The metadata every event carries, whatever its stream or type.
 *
 * `occurredAt` is when the command that caused the event was decided (an ISO-8601 instant, supplied
 * by the caller: the domain reads no clock). `actor` is the principal or process that acted
 * (`user:alice`, `process:dispatcher`). `correlationId` ties together every event of one business
 * flow; `causationId` names the message (command or event id) that directly caused this one.
 */
export const EventMetadata = z.strictObject({
  occurredAt: z.iso.datetime({ offset: true }),
  actor: z.string().min(1).max(200),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;
