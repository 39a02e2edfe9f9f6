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

/**
 * Runs `work` on every item with at most `maxInFlight` running at once, the next one starting as
 * soon as one settles, and answers the results in item order: a bound on requests in flight that
 * does not wait for the slowest of a chunk. Once an item has failed, or `signal` has aborted, no
 * further item starts and it rejects (those already running are not stopped).
 *
 * @example
 * await mapConcurrently(groups, 4, (group) => send(group));
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  maxInFlight: number,
  work: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError('maxInFlight must be ≥ 1');
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      signal?.throwIfAborted();
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxInFlight, items.length) }, worker));
  return results;
}

/**
 * `items` in waves in which no key repeats: an item goes to the first wave without its key, so
 * the items of one key keep their order across the waves (a report naming one payment twice).
 *
 * @example
 * inWaves(['a', 'b', 'a'], (item) => item); // [['a', 'b'], ['a']]
 */
export function inWaves<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const waves: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const wave = seen.get(key) ?? 0;
    seen.set(key, wave + 1);
    const into = waves[wave];
    if (into === undefined) waves.push([item]);
    else into.push(item);
  }
  return waves;
}
