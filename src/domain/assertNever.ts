/**
 * The exhaustiveness check that ends every switch over a union: adding a member fails to
 * compile.
 */
export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
