/**
 * Sends `items` in their order with at most `maxInFlight` in flight, never two of one key at
 * once, and an item only after its key's previous item succeeded; once one fails (or `canStart`
 * says no) no further item starts. So what is started is a prefix of `items`, and for each key
 * an item is sent only once every earlier item of that key is taken. Answers the outcome of each
 * started item, by index (an array as long as the prefix).
 *
 * @example
 * const outcomes = await sendInOrder(messages, { maxInFlight: 8, keyOf, send, canStart });
 */
export async function sendInOrder<Item, Outcome extends { readonly ok: boolean }>(
  items: readonly Item[],
  options: {
    readonly maxInFlight: number;
    readonly keyOf: (item: Item) => string;
    readonly send: (item: Item) => Promise<Outcome>;
    readonly canStart: () => boolean;
  },
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const latestOfKey = new Map<string, Promise<void>>();
  let failed = false;
  for (const [index, item] of items.entries()) {
    const key = options.keyOf(item);
    const previous = latestOfKey.get(key);
    if (previous !== undefined) await previous;
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    if (failed || !options.canStart()) break;
    const running: Promise<void> = options
      .send(item)
      .then((outcome) => {
        outcomes[index] = outcome;
        if (!outcome.ok) failed = true;
      })
      .finally(() => {
        inFlight.delete(running);
        if (latestOfKey.get(key) === running) latestOfKey.delete(key);
      });
    inFlight.add(running);
    latestOfKey.set(key, running);
  }
  await Promise.all(inFlight);
  return outcomes;
}
