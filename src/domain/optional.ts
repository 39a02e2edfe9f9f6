/**
 * A property only when its value is present: spread it into an object literal, so an absent value
 * leaves the key out rather than setting it to `undefined` (which `exactOptionalPropertyTypes`
 * refuses and JSON would drop anyway). For a `null` that means "absent", pass `value ?? undefined`.
 *
 * @example
 * const command = { type: 'SuspendDfsp', by, ...optional('reason', reason) };
 */
export function optional<Key extends string, Value>(
  key: Key,
  value: Value | undefined,
): { [K in Key]?: Value } {
  return (value === undefined ? {} : { [key]: value }) as { [K in Key]?: Value };
}
