/** `T` with `undefined` taken out of every property: what `exactOptionalPropertyTypes` wants. */
export type WithoutUndefined<T> = { [Key in keyof T]: Exclude<T[Key], undefined> };

/**
 * A shallow copy of `value` without its `undefined` properties. A zod schema's optional field
 * parses to `field?: T | undefined`; the command and query contracts say `field?: T`, where an
 * absent field and an undefined one differ.
 *
 * @example
 * withoutUndefined({ limit: 10, cursor: undefined }); // { limit: 10 }
 */
export function withoutUndefined<T extends object>(value: T): WithoutUndefined<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as WithoutUndefined<T>;
}
