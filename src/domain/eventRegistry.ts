import type { z } from 'zod';
import { batchEvents } from './batchEvents.js';
import { beneficiaryEvents } from './beneficiaryEvents.js';
import { dfspEvents } from './dfspEvents.js';
import type { EventDefinition } from './eventSchemas.js';
import { paymentEvents } from './paymentEvents.js';
import { programmeEvents } from './programmeEvents.js';
import { routingRulesEvents } from './routingRulesEvents.js';
import { statementEvents } from './statementEvents.js';

const definitions: readonly EventDefinition<string, z.ZodType>[] = [
  ...batchEvents,
  ...paymentEvents,
  ...dfspEvents,
  ...routingRulesEvents,
  ...statementEvents,
  ...beneficiaryEvents,
  ...programmeEvents,
];

const byType = new Map(definitions.map((definition) => [definition.type, definition]));

/**
 * Checks a new event against its schema before it is written: a decider that produces an event
 * its schema refuses is a bug, and the ledger stops rather than record it.
 *
 * @example
 * assertValidEvent({ type: 'BatchApproved', data: { batchId, by: 'user:bob' } });
 */
export function assertValidEvent(event: { readonly type: string; readonly data: unknown }): void {
  const definition = byType.get(event.type);
  if (definition === undefined) throw new Error(`no schema for event type ${event.type}`);
  const parsed = definition.schema.safeParse(event.data);
  if (!parsed.success) {
    throw new Error(`event ${event.type} does not match its schema: ${parsed.error.message}`);
  }
}

/** The schema version of an event type (1 for every type so far). */
export function versionOf(type: string): number | undefined {
  return byType.get(type)?.version;
}
