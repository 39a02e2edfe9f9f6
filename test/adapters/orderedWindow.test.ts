import { describe, expect, it } from 'vitest';
import { sendInOrder } from '../../src/adapters/webhooks/orderedWindow.js';

interface Item {
  readonly key: string;
  readonly n: number;
  readonly ok?: boolean;
}

/** Sends with a random delay, noting starts and ends and the most in flight at once. */
function recorder() {
  const log: string[] = [];
  let inFlight = 0;
  let most = 0;
  const send = async (item: Item) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    log.push(`start ${item.key}${item.n}`);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    log.push(`end ${item.key}${item.n}`);
    inFlight -= 1;
    return { ok: item.ok ?? true };
  };
  return { log, send, most: () => most };
}

describe('sending in order with several in flight', () => {
  it('never starts an item before the previous item of its key has ended', async () => {
    const items = Array.from({ length: 200 }, (_, n) => ({ key: 'abcde'[n % 5] ?? 'a', n }));
    const { log, send, most } = recorder();
    const outcomes = await sendInOrder(items, {
      maxInFlight: 4,
      keyOf: (item) => item.key,
      send,
      canStart: () => true,
    });
    expect(outcomes).toHaveLength(200);
    expect(most()).toBeLessThanOrEqual(4);
    expect(most()).toBeGreaterThan(1);
    for (const [n, item] of items.entries()) {
      const previous = items.slice(0, n).findLast((other) => other.key === item.key);
      if (previous === undefined) continue;
      expect(log.indexOf(`end ${previous.key}${previous.n}`)).toBeLessThan(
        log.indexOf(`start ${item.key}${item.n}`),
      );
    }
  });

  it('starts nothing after a failure, nor a later item of the failed key', async () => {
    const items: Item[] = [
      { key: 'p', n: 1, ok: false },
      { key: 'p', n: 2 },
      { key: 'q', n: 1 },
      { key: 'q', n: 2 },
    ];
    const { log, send } = recorder();
    const outcomes = await sendInOrder(items, {
      maxInFlight: 1,
      keyOf: (item) => item.key,
      send,
      canStart: () => true,
    });
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false]);
    expect(log).toEqual(['start p1', 'end p1']);
  });
});
