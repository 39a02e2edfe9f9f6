import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import type { JsonValue, NewEvent } from '../../src/application/eventStore.js';

/** A well-formed event for store tests. */
export function anEvent(type = 'ThingHappened', data: JsonValue = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      occurredAt: '2026-11-28T10:00:00.000Z',
      actor: 'test',
      correlationId: 'test-correlation',
      causationId: null,
    },
  };
}

/** A stream name no other test uses, so suites can share one store. */
export function aStream(category = 'thing'): string {
  return `${category}-${ulid()}`;
}
