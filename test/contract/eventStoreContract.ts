import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventStore,
  MAX_STREAMS_PER_READ,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../../src/application/eventStore.js';
import { optional } from '../../src/domain/optional.js';
import { anEvent } from '../support/events.js';

/** What a contract run needs from an adapter. */
export interface StoreHarness {
  readonly store: EventStore;
  /** A second store on the same data with its own connections: a rival writer. */
  openSecondWriter(): Promise<EventStore>;
  close(): Promise<void>;
}

/**
 * The behaviour every event store adapter must show. Each test works in streams of its own
 * category, so the suite also runs on a store that holds other data (EventStoreDB).
 */
export function describeEventStoreContract(
  name: string,
  createHarness: () => Promise<StoreHarness>,
  options: { skip?: string } = {},
): void {
  describe.skipIf(options.skip !== undefined)(`event store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: EventStore;
    let rival: EventStore;

    beforeAll(async () => {
      harness = await createHarness();
      store = harness.store;
      rival = await harness.openSecondWriter();
    });
    afterAll(async () => {
      await rival?.close();
      await harness?.close();
    });

    const newCategory = () => `c${ulid().toLowerCase()}`;

    /**
     * The category's events in the feed, once `expected` of them show. On Postgres an event shows
     * in the feed when every older transaction on the cluster has ended (README, "Order by commit
     * visibility"): other load on a shared cluster delays it, never reorders it, so the contract
     * waits for it (at most 10 s) rather than reading once.
     */
    async function readCategory(
      category: string,
      batch = 7,
      expected = 1,
    ): Promise<RecordedEvent[]> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const all = await readCategoryOnce(category, batch);
        if (all.length >= expected || Date.now() > deadline) return all;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    async function readCategoryOnce(category: string, batch: number): Promise<RecordedEvent[]> {
      const all: RecordedEvent[] = [];
      let after: bigint | undefined;
      for (;;) {
        const page = await store.readAll({
          limit: batch,
          filter: { streamPrefixes: [`${category}-`] },
          ...optional('after', after),
        });
        all.push(...page.events);
        if (page.events.length === 0 && page.next === after) return all;
        after = page.next;
      }
    }

    it('appends to a new stream from revision 0 and reads it back in order', async () => {
      const stream = `${newCategory()}-1`;
      const events = [anEvent('A', { n: 1 }), anEvent('B', { n: 2 }), anEvent('C', { n: 3 })];
      const result = await store.append(stream, 'no_stream', events);
      expect(result.nextExpectedRevision).toBe(2n);

      const read = await store.readStream(stream);
      expect(read.map((event) => [event.id, event.type, event.revision])).toEqual([
        [events[0]?.id, 'A', 0n],
        [events[1]?.id, 'B', 1n],
        [events[2]?.id, 'C', 2n],
      ]);
      expect(read[0]?.data).toEqual({ n: 1 });
      expect(read[0]?.metadata).toEqual(events[0]?.metadata);
      expect(read[2]?.position).toBe(result.position);
      expect(read[0]?.position).toBeLessThan(read[1]?.position ?? 0n);
      expect(read[1]?.position).toBeLessThan(read[2]?.position ?? 0n);
    });

    it('appends at the exact expected revision', async () => {
      const stream = `${newCategory()}-1`;
      await store.append(stream, 'no_stream', [anEvent()]);
      const second = await store.append(stream, 0n, [anEvent(), anEvent()]);
      expect(second.nextExpectedRevision).toBe(2n);
      const third = await store.append(stream, 'stream_exists', [anEvent()]);
      expect(third.nextExpectedRevision).toBe(3n);
    });

    it('refuses no_stream on an existing stream, naming both revisions', async () => {
      const stream = `${newCategory()}-1`;
      await store.append(stream, 'no_stream', [anEvent(), anEvent()]);
      const error = await store.append(stream, 'no_stream', [anEvent()]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ stream, expected: 'no_stream', actual: 1n });
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses a stale exact revision and stream_exists on a missing stream', async () => {
      const stream = `${newCategory()}-1`;
      await store.append(stream, 'no_stream', [anEvent(), anEvent()]);
      await expect(store.append(stream, 0n, [anEvent()])).rejects.toMatchObject({
        name: 'WrongExpectedRevisionError',
        expected: 0n,
        actual: 1n,
      });
      await expect(
        store.append(`${newCategory()}-missing`, 'stream_exists', [anEvent()]),
      ).rejects.toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
      await expect(store.append(`${newCategory()}-missing`, 3n, [anEvent()])).rejects.toMatchObject(
        { expected: 3n, actual: 'no_stream' },
      );
    });

    it('refuses a malformed append before writing anything', async () => {
      const stream = `${newCategory()}-1`;
      await expect(store.append(stream, 'no_stream', [])).rejects.toThrow(TypeError);
      await expect(
        store.append(stream, 'no_stream', [{ ...anEvent(), id: 'not-a-uuid' }]),
      ).rejects.toThrow(/not a UUID/);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('answers a retried append with the first result and writes nothing twice', async () => {
      const stream = `${newCategory()}-1`;
      await store.append(stream, 'no_stream', [anEvent()]);
      const events = [anEvent('Retried'), anEvent('Retried')];
      const first = await store.append(stream, 0n, events);
      const retry = await store.append(stream, 0n, events);
      expect(retry).toEqual(first);

      await store.append(stream, first.nextExpectedRevision, [anEvent('Later')]);
      const lateRetry = await rival.append(stream, 0n, events);
      expect(lateRetry).toEqual(first);
      expect((await store.readStream(stream)).map((event) => event.type)).toEqual([
        'ThingHappened',
        'Retried',
        'Retried',
        'Later',
      ]);
    });

    it('reads a stream backwards, from a revision, and bounded', async () => {
      const stream = `${newCategory()}-1`;
      await store.append(
        stream,
        'no_stream',
        Array.from({ length: 5 }, (_, n) => anEvent('E', { n })),
      );
      const revisions = (events: RecordedEvent[]) => events.map((event) => event.revision);
      expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([
        4n,
        3n,
        2n,
        1n,
        0n,
      ]);
      expect(revisions(await store.readStream(stream, { fromRevision: 3n }))).toEqual([3n, 4n]);
      expect(
        revisions(
          await store.readStream(stream, {
            direction: 'backwards',
            fromRevision: 2n,
            maxCount: 2,
          }),
        ),
      ).toEqual([2n, 1n]);
      expect(await store.readStream(`${newCategory()}-absent`)).toEqual([]);
    });

    it(
      'orders the global feed by append and ' + 'pages through it without gaps or repeats',
      async () => {
        const category = newCategory();
        const appended: string[] = [];
        for (let n = 0; n < 20; n += 1) {
          const event = anEvent('Fed', { n });
          const stream = `${category}-${n % 4}`;
          const current = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
          await store.append(stream, current[0]?.revision ?? 'no_stream', [event]);
          appended.push(event.id);
        }
        const read = await readCategory(category, 6, appended.length);
        expect(read.map((event) => event.id)).toEqual(appended);
        for (let i = 1; i < read.length; i += 1) {
          expect(read[i]?.position).toBeGreaterThan(read[i - 1]?.position ?? 0n);
        }
      },
    );

    it('filters the feed by event type and stream prefix', async () => {
      const category = newCategory();
      await store.append(`${category}-a`, 'no_stream', [anEvent('Kept'), anEvent('Dropped')]);
      await store.append(`${category}x-b`, 'no_stream', [anEvent('Kept')]);
      await store.append(`${category}-c`, 'no_stream', [anEvent('Kept')]);
      const read = () =>
        store.readAll({
          limit: 100,
          filter: { streamPrefixes: [`${category}-`], eventTypes: ['Kept'] },
        });
      let page = await read();
      for (let tries = 0; page.events.length < 2 && tries < 200; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50)); // see readCategory
        page = await read();
      }
      expect(page.events.map((event) => event.stream)).toEqual([`${category}-a`, `${category}-c`]);
      expect(page.next).toBeGreaterThanOrEqual(page.events[1]?.position ?? 0n);
    });

    it('lets exactly one of two concurrent writers win each stream', async () => {
      const category = newCategory();
      const streams = Array.from({ length: 40 }, (_, n) => `${category}-${n}`);
      await Promise.all(streams.map((stream) => store.append(stream, 'no_stream', [anEvent()])));
      const results = await Promise.allSettled(
        streams.flatMap((stream) => [
          store.append(stream, 0n, [anEvent('Mine')]),
          rival.append(stream, 0n, [anEvent('Theirs')]),
        ]),
      );
      for (let i = 0; i < streams.length; i += 1) {
        const pair = [results[2 * i], results[2 * i + 1]];
        const won = pair.filter((result) => result?.status === 'fulfilled');
        const lost = pair.filter((result) => result?.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        const reason = lost[0]?.status === 'rejected' ? lost[0].reason : undefined;
        expect(reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(reason).toMatchObject({ expected: 0n, actual: 1n });
        expect(await store.readStream(streams[i] ?? '')).toHaveLength(2);
      }
    });

    it('gives concurrent appends to different streams each its own outcome', async () => {
      const category = newCategory();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, n) =>
          // Every fifth append expects a stream that does not exist: it alone must fail.
          (n % 2 === 0 ? store : rival).append(
            `${category}-${n}`,
            n % 5 === 0 ? 'stream_exists' : 'no_stream',
            [anEvent('Many', { n })],
          ),
        ),
      );
      outcomes.forEach((outcome, n) => {
        expect(outcome.status).toBe(n % 5 === 0 ? 'rejected' : 'fulfilled');
      });
      expect(await readCategory(category, 1000, 80)).toHaveLength(80);
    });

    it('appends to many streams in one call, each checked and answered on its own, in order', async () => {
      const category = newCategory();
      await store.append(`${category}-existing`, 'no_stream', [anEvent()]);
      const appends = Array.from({ length: 1_000 }, (_, n) => ({
        stream: `${category}-${n}`,
        // Every hundredth expects a stream that does not exist: it alone is refused.
        expected: n % 100 === 0 ? ('stream_exists' as const) : ('no_stream' as const),
        events: [anEvent('Many', { n }), anEvent('More', { n })],
      }));
      const outcomes = await store.appendMany([
        ...appends,
        { stream: `${category}-existing`, expected: 0n, events: [anEvent('Second')] },
      ]);
      expect(outcomes).toHaveLength(1_001);
      outcomes.slice(0, 1_000).forEach((outcome, n) => {
        if (n % 100 === 0) {
          expect(outcome).toMatchObject({
            refused: { name: 'WrongExpectedRevisionError', actual: 'no_stream' },
          });
        } else {
          expect(outcome).toMatchObject({ appended: { nextExpectedRevision: 1n } });
        }
      });
      expect(outcomes[1_000]).toMatchObject({ appended: { nextExpectedRevision: 1n } });
      expect(await readCategory(category, 5_000, 1_982)).toHaveLength(1_982);

      // The same call again: the written appends answer their first results, nothing twice.
      const again = await store.appendMany(appends.slice(1, 10));
      expect(again).toEqual(outcomes.slice(1, 10));
      expect(await store.readStream(`${category}-5`)).toHaveLength(2);
    });

    it('refuses an appendMany naming a stream twice, writing nothing', async () => {
      const stream = `${newCategory()}-1`;
      await expect(
        store.appendMany([
          { stream, expected: 'no_stream', events: [anEvent()] },
          { stream, expected: 0n, events: [anEvent()] },
        ]),
      ).rejects.toThrow(RangeError);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('reads many streams in one call, each from its own revision, in the order named', async () => {
      const category = newCategory();
      await store.appendMany(
        Array.from({ length: 300 }, (_, n) => ({
          stream: `${category}-${n}`,
          expected: 'no_stream' as const,
          events: Array.from({ length: (n % 4) + 1 }, (_, k) => anEvent('Read', { n, k })),
        })),
      );
      const reads = [
        { stream: `${category}-7`, fromRevision: 2n },
        { stream: `${category}-missing` },
        ...Array.from({ length: 300 }, (_, n) => ({ stream: `${category}-${299 - n}` })).filter(
          ({ stream }) => stream !== `${category}-7`,
        ),
      ];
      const read = await store.readStreams(reads);
      expect(read.map(({ stream }) => stream)).toEqual(reads.map(({ stream }) => stream));
      expect(read[0]?.events.map((event) => [event.revision, event.data])).toEqual([
        [2n, { n: 7, k: 2 }],
        [3n, { n: 7, k: 3 }],
      ]);
      expect(read[1]?.events).toEqual([]);
      for (const { stream, events } of read.slice(2)) {
        expect(events).toEqual(await store.readStream(stream));
      }
      expect(await store.readStreams([])).toEqual([]);
    });

    it('refuses a readStreams naming a stream twice or too many streams', async () => {
      const stream = `${newCategory()}-1`;
      await expect(store.readStreams([{ stream }, { stream }])).rejects.toThrow(RangeError);
      const tooMany = Array.from({ length: MAX_STREAMS_PER_READ + 1 }, (_, n) => ({
        stream: `${stream}-${n}`,
      }));
      await expect(store.readStreams(tooMany)).rejects.toThrow(RangeError);
    });

    it('subscribes: catches up, then delivers new events live, in order', async () => {
      const category = newCategory();
      await store.append(`${category}-1`, 'no_stream', [anEvent('Old'), anEvent('Old')]);
      const controller = new AbortController();
      const received: RecordedEvent[] = [];
      const subscription = (async () => {
        for await (const batch of store.subscribeToAll({
          filter: { streamPrefixes: [`${category}-`] },
          batchSize: 2,
          signal: controller.signal,
        })) {
          received.push(...batch);
          if (received.length === 2) {
            await store.append(`${category}-1`, 1n, [anEvent('New')]);
            await rival.append(`${category}-2`, 'no_stream', [anEvent('New')]);
          }
          if (received.length >= 4) controller.abort();
        }
      })();
      await withTimeout(subscription, 10_000);
      expect(received.map((event) => event.type)).toEqual(['Old', 'Old', 'New', 'New']);
      expect(received.map((event) => event.stream)).toEqual([
        `${category}-1`,
        `${category}-1`,
        `${category}-1`,
        `${category}-2`,
      ]);
    });

    it('resumes a subscription after a checkpoint without repeating or skipping', async () => {
      const category = newCategory();
      const events = Array.from({ length: 6 }, (_, n) => anEvent('Step', { n }));
      await store.append(`${category}-1`, 'no_stream', events);
      const all = await readCategory(category, 7, 6);
      const checkpoint = all[2]?.position;
      const controller = new AbortController();
      const resumed: RecordedEvent[] = [];
      const run = (async () => {
        for await (const batch of store.subscribeToAll({
          filter: { streamPrefixes: [`${category}-`] },
          signal: controller.signal,
          ...optional('after', checkpoint),
        })) {
          resumed.push(...batch);
          if (resumed.length >= 3) controller.abort();
        }
      })();
      await withTimeout(run, 10_000);
      expect(resumed.map((event) => event.id)).toEqual(events.slice(3).map((event) => event.id));
    });
  });
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
