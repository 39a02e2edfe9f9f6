import type { RecordedEvent } from '../application/eventStore.js';
import type { EventMetadata } from '../domain/eventMetadata.js';

/** A recorded event as the API shows it: positions and revisions as decimal strings. */
export interface EventJson {
  readonly position: string;
  readonly stream: string;
  readonly revision: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/**
 * Turns a recorded event into its JSON shape. Positions and revisions are 64-bit, beyond what a
 * JSON number holds exactly, so they travel as strings.
 *
 * @example
 * toEventJson(event); // { position: '1024', stream: 'payment-01J…', revision: '3', … }
 */
export function toEventJson(event: RecordedEvent): EventJson {
  return {
    position: event.position.toString(),
    stream: event.stream,
    revision: event.revision.toString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  };
}
