/**
 * True when two JSON-like values are equal regardless of key order, with undefined properties
 * ignored: what "the same body" means for an idempotent repeat of a command.
 *
 * @example
 * sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }); // true
 */
export function sameJson(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right);
}

/**
 * JSON with keys sorted at every level and undefined properties left out: the same text for the
 * same value, whatever order it was written in.
 *
 * @example
 * canonicalJson({ b: 2, a: 1 }); // '{"a":1,"b":2}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, entry]) => [key, sortKeys(entry)]),
    );
  }
  return value;
}
