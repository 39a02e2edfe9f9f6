/**
 * `npm run bench:store`: appends EVENTS events over STREAMS streams from WRITERS concurrent
 * writers through the Postgres event store, then reads the whole global feed back.
 * Options: --events N --streams N --writers N --per-append N --page N --groups N (transactions
 * in flight at once).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { eventStoreMigrations } from '../src/adapters/postgres/eventStoreSchema.js';
import { migrate } from '../src/adapters/postgres/migrations.js';
import { createPostgresDatabase } from '../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../src/adapters/postgres/postgresEventStore.js';
import { createBenchDatabase, formatRate, printTable, writeResult } from './benchSupport.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    streams: { type: 'string', default: '20000' },
    writers: { type: 'string', default: '32' },
    'per-append': { type: 'string', default: '1' },
    page: { type: 'string', default: '5000' },
    groups: { type: 'string', default: '2' },
  },
});
const totalEvents = Number(values.events);
const streamCount = Number(values.streams);
const writers = Number(values.writers);
const perAppend = Number(values['per-append']);
const pageSize = Number(values.page);
const maxConcurrentGroups = Number(values.groups);
const eventsPerStream = totalEvents / streamCount;
if (!Number.isInteger(eventsPerStream) || eventsPerStream % perAppend !== 0) {
  throw new Error('events must divide evenly into streams, and each stream into appends');
}

const database = await createBenchDatabase();
const db = createPostgresDatabase(database.url, { maxConnections: 8 });
try {
  await migrate(db, [eventStoreMigrations]);
  const store = createPostgresEventStore(db, { maxConcurrentGroups });
  const payload = { amount: '1250.00', currency: 'KES', payeeFa: 'account:000123456789@bank-a' };

  process.stdout.write(
    `appending ${totalEvents.toLocaleString('en')} events over ${streamCount.toLocaleString('en')} streams, ${writers} writers, ${perAppend} per append\n`,
  );
  const appendStart = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const streams: string[] = [];
      for (let s = writer; s < streamCount; s += writers) streams.push(`payment-bench${s}`);
      for (let revision = 0; revision < eventsPerStream; revision += perAppend) {
        for (const stream of streams) {
          const events = Array.from({ length: perAppend }, () => ({
            id: randomUUID(),
            type: 'PaymentInstructed',
            data: payload,
            metadata: {
              occurredAt: new Date().toISOString(),
              actor: 'bench',
              correlationId: stream,
              causationId: null,
            },
          }));
          await store.append(stream, revision === 0 ? 'no_stream' : BigInt(revision - 1), events);
        }
      }
    }),
  );
  const appendSeconds = (performance.now() - appendStart) / 1000;

  const readStart = performance.now();
  let read = 0;
  let after: bigint | undefined;
  let previous = 0n;
  for (;;) {
    const page = await store.readAll({
      limit: pageSize,
      ...(after === undefined ? {} : { after }),
    });
    for (const event of page.events) {
      if (event.position <= previous) throw new Error(`feed out of order at ${event.position}`);
      previous = event.position;
    }
    read += page.events.length;
    if (page.events.length === 0 && page.next === after) break;
    after = page.next;
  }
  const readSeconds = (performance.now() - readStart) / 1000;
  if (read !== totalEvents) throw new Error(`read ${read} events, appended ${totalEvents}`);

  const { rows } = await db.query<{ transactions: string }>(
    'SELECT count(DISTINCT transaction_id::text)::text AS transactions FROM ledger_events',
  );
  const transactions = Number(rows[0]?.transactions);
  printTable([
    ['measure', 'events', 'seconds', 'events/s', 'target'],
    [
      'append',
      String(totalEvents),
      appendSeconds.toFixed(2),
      formatRate(totalEvents, appendSeconds),
      '>= 20,000',
    ],
    [
      'read feed',
      String(read),
      readSeconds.toFixed(2),
      formatRate(read, readSeconds),
      '>= 100,000',
    ],
  ]);
  process.stdout.write(
    `group commit: ${transactions.toLocaleString('en')} transactions, ${(totalEvents / transactions).toFixed(1)} events each on average\n`,
  );
  await store.close();
  const file = await writeResult('event-store', {
    parameters: { totalEvents, streamCount, writers, perAppend, pageSize, maxConcurrentGroups },
    append: { seconds: appendSeconds, eventsPerSecond: totalEvents / appendSeconds },
    read: { seconds: readSeconds, eventsPerSecond: read / readSeconds },
    transactions,
  });
  process.stdout.write(`result: ${file}\n`);
} finally {
  await db.close();
  await database.drop();
}
