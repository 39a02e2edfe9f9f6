import { z } from 'zod';

/**
 * Building blocks of event schemas. Amounts travel in events as minor units in a decimal string
 * (`"125050"` for KES 1,250.50): exact, and readable without knowing the currency's decimals.
 * Every event schema is strict: an unknown field is a bug in the writer, not data to keep.
 */
export const MinorUnits = z.string().regex(/^\d{1,20}$/, 'minor units as a decimal string');
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/);
export const Principal = z.string().min(1).max(200);
/** A ULID: 26 characters of Crockford base 32 (business ids: batches, payments, statements). */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const Ulid = z.string().regex(ULID_PATTERN, 'a ULID');
export const Instant = z.iso.datetime({ offset: true });

/**
 * One event type of the domain: its name, its schema version, and the schema of its data. A
 * breaking change to an event's data gets a new type name (`BatchOpened.v2`) and an upcaster,
 * never an edit of a schema already written to the log.
 */
export interface EventDefinition<Type extends string, Schema extends z.ZodType> {
  readonly type: Type;
  readonly version: number;
  readonly schema: Schema;
}

export function defineEvent<const Type extends string, Schema extends z.ZodType>(
  type: Type,
  schema: Schema,
  version = 1,
): EventDefinition<Type, Schema> {
  return { type, version, schema };
}

/** A domain event: a type from a definition and data of its schema. */
export type EventOf<Definition> =
  Definition extends EventDefinition<infer Type, infer Schema>
    ? { readonly type: Type; readonly data: z.infer<Schema> }
    : never;
