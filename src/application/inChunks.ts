/**
 * Runs `work` on every item, `chunkSize` at a time, and answers the results in item order: a
 * bound on how many streams, requests or rows one caller has in flight. When `signal` aborts,
 * it throws the signal's reason before the next chunk.
 *
 * @example
 * const outcomes = await mapInChunks(payments, 250, (payment) => submit(payment));
 */
export async function mapInChunks<T, R>(
  items: readonly T[],
  chunkSize: number,
  work: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be ≥ 1');
  const results: R[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    signal?.throwIfAborted();
    results.push(...(await Promise.all(items.slice(start, start + chunkSize).map(work))));
  }
  return results;
}
