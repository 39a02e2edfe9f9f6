/**
 * B3 replay (issue 6): rebuilds every read model from a log of about 1,000,000 events as
 * `npm run rebuild` does (each projection in turn, `rebuildProjection`), and reports events/s per
 * projection and for all of them. Target: ≥ 50,000 events/s (events applied ÷ wall time).
 *
 * The log is what a season of operation writes, appended through our Postgres event store, so
 * the rows are exactly the service's: DFSP registrations and a routing-rules publication, then
 * batches of 1,000 payments (BatchOpened, four PaymentsAdded chunks and BatchSubmitted in one
 * append, BatchApproved; per payment PaymentInstructed, PaymentRouted, PaymentSubmitted, then
 * mostly PaymentSucceeded, 4% PaymentFailed, 2% a refused sending and a second one;
 * BatchCompleted). Every fourth batch is reconciled: per paid payment PaymentReconciled (every
 * 200th PaymentReconciliationMismatched), per DFSP a statement stream. Each phase of a batch is
 * one append per payment stream, a batch's thousand in flight together and eight batches at a
 * time, so the feed interleaves as the batch processor, router, dispatcher and DFSPs write it.
 * The log is then vacuumed and analysed, as autovacuum would have done long before a rebuild,
 * and checkpointed, so that writing the seed back is not measured as part of the replay.
 *
 * A replay is exact when every read-model table has the rows the seed's bookkeeping expects,
 * every projection applied the events of its types, and (with several batch sizes) every batch
 * size gives the same rows (an md5 of each table).
 *
 * Options: --events N (about; default 1,000,000), --batch-sizes 500,2000 (a full replay for each,
 * in turn; the first is the headline), --keep (leave the database and print its URL),
 * --database URL (replay a database a --keep run seeded with the same --events; no seeding).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { monotonicFactory } from 'ulid';
import type { z } from 'zod';
import { dfspSecretsMigrations } from '../src/adapters/postgres/dfspSecrets.js';
import { eventStoreMigrations } from '../src/adapters/postgres/eventStoreSchema.js';
import { migrate } from '../src/adapters/postgres/migrations.js';
import { createPostgresDatabase } from '../src/adapters/postgres/postgresDatabase.js';
import { createPostgresEventStore } from '../src/adapters/postgres/postgresEventStore.js';
import type {
  EventStore,
  ExpectedRevision,
  JsonValue,
  NewEvent,
} from '../src/application/eventStore.js';
import type { SqlDatabase } from '../src/application/sqlDatabase.js';
import {
  BatchApproved,
  BatchCompleted,
  BatchOpened,
  BatchSubmitted,
  batchStream,
  type PaymentLine,
  PaymentsAdded,
} from '../src/domain/batchEvents.js';
import { DfspHealthChanged, DfspRegistered, dfspStream } from '../src/domain/dfspEvents.js';
import { assertValidEvent } from '../src/domain/eventRegistry.js';
import type { EventDefinition } from '../src/domain/eventSchemas.js';
import {
  PaymentFailed,
  PaymentInstructed,
  PaymentReconciled,
  PaymentReconciliationMismatched,
  PaymentRouted,
  PaymentSubmissionFailed,
  PaymentSubmitted,
  PaymentSucceeded,
  paymentStream,
} from '../src/domain/paymentEvents.js';
import { ROUTING_RULES_STREAM, RoutingRulesPublished } from '../src/domain/routingRulesEvents.js';
import {
  type ReconciledLine,
  StatementBalanceChecked,
  StatementImported,
  StatementLinesReconciled,
  statementStream,
} from '../src/domain/statementEvents.js';
import { rebuildProjection } from '../src/projections/projectionRunner.js';
import { projections } from '../src/projections/projections.js';
import { readModelMigrations } from '../src/projections/readModelSchema.js';
import { createBenchDatabase, formatRate, printTable, writeResult } from './benchSupport.js';
import { isMain, type Scenario, type ScenarioFigure } from './scenario.js';

const TARGET_EVENTS_PER_SECOND = 50_000;
const PAYMENTS_PER_BATCH = 1_000;
const LINES_PER_CHUNK = 250;
/** Batches whose phases are in flight at once (each phase: one append per payment). */
const BATCHES_IN_FLIGHT = 8;
/** A batch's events on average (see the module comment): sizes the number of batches. */
const EVENTS_PER_BATCH = 4_290;
/** The first events, then every this many, are checked against their schemas while seeding. */
const VALIDATE_FIRST = 10_000;
const VALIDATE_EVERY = 97;
const DFSPS = ['bank-a', 'bank-b', 'bank-c', 'mobile-x', 'mobile-y'] as const;
const BANKS = DFSPS.filter((dfspId) => dfspId.startsWith('bank'));
const MOBILES = DFSPS.filter((dfspId) => dfspId.startsWith('mobile'));
const START_MS = Date.parse('2026-01-05T08:00:00.000Z');

interface Append {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

/** Where the seed's appends go: the store, or nowhere (`--database`: only the expectation). */
type AppendSink = (appends: readonly Append[]) => Promise<void>;

/** What the log holds and the read models must hold after a replay, by the seed's bookkeeping. */
interface Expectation {
  events: number;
  readonly eventsByType: Map<string, number>;
  validated: number;
  readonly rows: {
    stream_summaries: number;
    payments: number;
    batches: number;
    batch_payment_totals: number;
    dfsps: number;
    statements: number;
    reconciliation_discrepancies: number;
  };
}

interface SeedPayment {
  readonly paymentId: string;
  readonly line: PaymentLine;
  readonly amountMinor: bigint;
  readonly dfspId: string;
  revision: bigint;
  status: 'pending' | 'routed' | 'submitted' | 'succeeded' | 'failed';
  reconciliation: 'unreconciled' | 'matched' | 'mismatched';
}

/**
 * A deterministic random source (mulberry32). Each batch has its own, so the log has the same
 * shape (and counts) however the batches interleave.
 */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Writes the log through `sink` and answers what the read models must then hold. Event data is
 * type-checked against each schema's input here and a sample is checked at run time with
 * `assertValidEvent`; the replay parses every event again in the real handlers.
 */
async function seedLedger(sink: AppendSink, targetEvents: number): Promise<Expectation> {
  const nextUlid = monotonicFactory();
  const expectation: Expectation = {
    events: 0,
    eventsByType: new Map(),
    validated: 0,
    rows: {
      stream_summaries: 0,
      payments: 0,
      batches: 0,
      batch_payment_totals: 0,
      dfsps: DFSPS.length,
      statements: 0,
      reconciliation_discrepancies: 0,
    },
  };
  let clockMs = START_MS;

  const write = async (appends: readonly Append[]) => {
    for (const { events, expected } of appends) {
      if (expected === 'no_stream') expectation.rows.stream_summaries += 1;
      for (const event of events) {
        expectation.events += 1;
        const { eventsByType } = expectation;
        eventsByType.set(event.type, (eventsByType.get(event.type) ?? 0) + 1);
        if (expectation.events <= VALIDATE_FIRST || expectation.events % VALIDATE_EVERY === 0) {
          assertValidEvent(event);
          expectation.validated += 1;
        }
      }
    }
    await sink(appends);
  };
  /** An event at the log's clock, which moves 7 ms an event. */
  const eventOf = <Type extends string, Schema extends z.ZodType>(
    definition: EventDefinition<Type, Schema>,
    data: z.input<Schema>,
    actor: string,
    correlationId: string,
  ): NewEvent => {
    clockMs += 7;
    return {
      id: randomUUID(),
      type: definition.type,
      data: data as JsonValue,
      metadata: {
        occurredAt: new Date(clockMs).toISOString(),
        actor,
        correlationId,
        causationId: null,
      },
    };
  };

  // DFSPs (each circuit breaker opened and closed once), then the rules that route over them.
  await write(
    DFSPS.map((dfspId, i): Append => {
      const setup = `setup-${dfspId}`;
      const registered = eventOf(
        DfspRegistered,
        {
          dfspId,
          name: `DFSP ${dfspId}`,
          connector: 'g2p-connect',
          baseUrl: `https://${dfspId}.example.org/g2p`,
          payerFa: `account:10020030${i}@${dfspId}`,
          currencies: ['KES'],
          faTypes: dfspId.startsWith('bank') ? ['account'] : ['mobile'],
          maxBatchSize: 500,
          secretFingerprint: '0123456789abcdef',
          by: 'user:admin',
        },
        'user:admin',
        setup,
      );
      const breaker = (health: 'healthy' | 'unhealthy') =>
        eventOf(
          DfspHealthChanged,
          { dfspId, health, reason: health === 'healthy' ? 'answering again' : '5 timeouts' },
          'process:dispatcher',
          setup,
        );
      const events = [registered, breaker('unhealthy'), breaker('healthy')];
      return { stream: dfspStream(dfspId), expected: 'no_stream', events };
    }),
  );
  const route = (dfspIds: readonly string[]) => dfspIds.map((dfspId) => ({ dfspId, weight: 1 }));
  const rules = eventOf(
    RoutingRulesPublished,
    {
      version: 1,
      by: 'user:admin',
      rules: [
        { id: 'banks', when: { faTypes: ['account'] }, route: route(BANKS) },
        { id: 'mobile', when: { faTypes: ['mobile'] }, route: route(MOBILES) },
      ],
    },
    'user:admin',
    'setup-rules',
  );
  await write([{ stream: ROUTING_RULES_STREAM, expected: 'no_stream', events: [rules] }]);

  /** One batch's life, phase by phase; a phase's appends are in flight together. */
  const runBatch = async (index: number) => {
    const batchId = nextUlid();
    const stream = batchStream(batchId);
    const random = createRandom(20_260_105 + index);
    const payments = Array.from({ length: PAYMENTS_PER_BATCH }, (_, i) =>
      newPayment(index * PAYMENTS_PER_BATCH + i, random),
    );
    const total = String(payments.reduce((sum, payment) => sum + payment.amountMinor, 0n));
    const ofBatch = <Type extends string, Schema extends z.ZodType>(
      definition: EventDefinition<Type, Schema>,
      data: z.input<Schema>,
      actor: string,
    ) => eventOf(definition, data, actor, batchId);

    const opening = [
      ofBatch(
        BatchOpened,
        {
          batchId,
          programId: 'CT-OVC',
          cycleId: `2026-${String((index % 12) + 1).padStart(2, '0')}`,
          currency: 'KES',
          declaredCount: PAYMENTS_PER_BATCH,
          declaredTotalMinor: total,
          description: `CT-OVC batch ${index}`,
        },
        'user:alice',
      ),
      ...chunks(payments, LINES_PER_CHUNK).map((chunk) =>
        ofBatch(
          PaymentsAdded,
          { batchId, payments: chunk.map((payment) => payment.line) },
          'user:alice',
        ),
      ),
      ofBatch(
        BatchSubmitted,
        { batchId, by: 'user:alice', count: PAYMENTS_PER_BATCH, totalMinor: total },
        'user:alice',
      ),
    ];
    let batchRevision = BigInt(opening.length - 1);
    await write([{ stream, expected: 'no_stream', events: opening }]);
    const approved = ofBatch(BatchApproved, { batchId, by: 'user:bob' }, 'user:bob');
    await write([{ stream, expected: batchRevision, events: [approved] }]);
    batchRevision += 1n;

    /** Appends the event `make` answers (if any) to each payment's stream, all in flight. */
    const perPayment = async (make: (payment: SeedPayment, i: number) => NewEvent | undefined) => {
      const appends: Append[] = [];
      for (const [i, payment] of payments.entries()) {
        const event = make(payment, i);
        if (event === undefined) continue;
        const expected = payment.revision < 0n ? 'no_stream' : payment.revision;
        appends.push({ stream: paymentStream(payment.paymentId), expected, events: [event] });
        payment.revision += 1n;
      }
      await write(appends);
    };

    await perPayment(({ line }) =>
      ofBatch(
        PaymentInstructed,
        { ...line, batchId, programId: 'CT-OVC', currency: 'KES' },
        'process:batch-processor',
      ),
    );
    await perPayment((payment) => {
      payment.status = 'routed';
      const { paymentId, dfspId } = payment;
      const ruleId = dfspId.startsWith('bank') ? 'banks' : 'mobile';
      return ofBatch(
        PaymentRouted,
        { paymentId, dfspId, ruleId, rulesVersion: 1, via: 'route' },
        'process:router',
      );
    });
    // The dispatcher sends 100 payments a request; its transaction id is the request's.
    const requests = Array.from({ length: PAYMENTS_PER_BATCH / 100 }, () => nextUlid());
    const submitted = (payment: SeedPayment, i: number, attempt: number) => {
      payment.status = 'submitted';
      const request = Math.floor(i / 100);
      return ofBatch(
        PaymentSubmitted,
        {
          paymentId: payment.paymentId,
          dfspId: payment.dfspId,
          transactionId: requests[request] ?? batchId,
          messageId: `msg-${batchId}-${request}-${attempt}`,
          attempt,
        },
        'process:dispatcher',
      );
    };
    const succeeded = (payment: SeedPayment) => {
      payment.status = 'succeeded';
      const { paymentId, dfspId } = payment;
      const reportedAt = new Date(clockMs - 60_000).toISOString();
      return ofBatch(
        PaymentSucceeded,
        { paymentId, dfspId, source: 'callback', reportedAt },
        `dfsp:${dfspId}`,
      );
    };
    await perPayment((payment, i) => submitted(payment, i, 1));
    const resent = new Set<string>();
    await perPayment((payment) => {
      const { paymentId, dfspId } = payment;
      const draw = random();
      if (draw < 0.02) {
        resent.add(paymentId);
        payment.status = 'routed';
        return ofBatch(
          PaymentSubmissionFailed,
          {
            paymentId,
            dfspId,
            attempt: 1,
            outcome: 'unreachable',
            dfspMayHold: false,
            retryable: true,
            reason: 'connection refused',
            retryAt: new Date(clockMs + 300_000).toISOString(),
          },
          'process:dispatcher',
        );
      }
      if (draw < 0.06) {
        payment.status = 'failed';
        return ofBatch(
          PaymentFailed,
          { paymentId, dfspId, reasonCode: 'rjct.payee_fa.invalid', source: 'callback' },
          `dfsp:${dfspId}`,
        );
      }
      return succeeded(payment);
    });
    await perPayment((payment, i) =>
      resent.has(payment.paymentId) ? submitted(payment, i, 2) : undefined,
    );
    await perPayment((payment) => (resent.has(payment.paymentId) ? succeeded(payment) : undefined));
    const completed = ofBatch(BatchCompleted, { batchId }, 'process:batch-completer');
    await write([{ stream, expected: batchRevision, events: [completed] }]);
    if (index % 4 === 3) await reconcile(batchId, perPayment);

    expectation.rows.payments += payments.length;
    expectation.rows.batches += 1;
    const totalsKeys = payments.map((p) => `${p.dfspId}/${p.status}/${p.reconciliation}`);
    expectation.rows.batch_payment_totals += new Set(totalsKeys).size;
  };

  /** A payment line of the programme: 40% to mobile money, 60% to bank accounts. */
  const newPayment = (n: number, random: () => number): SeedPayment => {
    const mobile = random() < 0.4;
    const dfspId = (mobile ? MOBILES[n % MOBILES.length] : BANKS[n % BANKS.length]) ?? 'bank-a';
    const paymentId = nextUlid();
    const amountMinor = 50_000n + BigInt(Math.floor(random() * 2_000) * 50);
    const line: PaymentLine = {
      paymentId,
      reference: `CT-OVC-${n}`,
      beneficiaryId: `BEN-${n}`,
      payeeFa: mobile
        ? `mobile:+2547${String(n).padStart(8, '0')}@${dfspId}`
        : `account:${7_000_000_000 + n}@${dfspId}`,
      amountMinor: String(amountMinor),
      ...(n % 3 === 0 ? { payeeName: `Beneficiary ${n}`, region: `KE-${(n % 47) + 1}` } : {}),
      ...(n % 2 === 0 ? { purpose: 'CT-OVC cash transfer' } : {}),
    };
    const unsent = { revision: -1n, status: 'pending', reconciliation: 'unreconciled' } as const;
    return { paymentId, line, amountMinor, dfspId, ...unsent };
  };

  /** Each DFSP's statement of the batch's paid payments, every 200th at another amount. */
  const reconcile = async (
    batchId: string,
    perPayment: (make: (payment: SeedPayment, i: number) => NewEvent | undefined) => Promise<void>,
  ) => {
    const statementIds = new Map(DFSPS.map((dfspId) => [dfspId as string, nextUlid()]));
    const linesOf = new Map(DFSPS.map((dfspId) => [dfspId as string, [] as ReconciledLine[]]));
    await perPayment((payment, i) => {
      if (payment.status !== 'succeeded') return undefined;
      const { paymentId, dfspId } = payment;
      const statementId = statementIds.get(dfspId) ?? '';
      const lines = linesOf.get(dfspId) ?? [];
      const amountMinor = String(payment.amountMinor);
      const mismatched = i % 200 === 199;
      const statementAmountMinor = mismatched ? String(payment.amountMinor + 100n) : amountMinor;
      lines.push({
        lineNumber: lines.length + 1,
        reference: paymentId,
        amountMinor: statementAmountMinor,
        currency: 'KES',
        direction: 'debit',
        reversal: false,
        bookedOn: new Date(clockMs).toISOString().slice(0, 10),
        outcome: mismatched ? 'mismatched' : 'matched',
        batchId,
        ledgerAmountMinor: amountMinor,
        ledgerCurrency: 'KES',
        ledgerStatus: 'succeeded',
      });
      payment.reconciliation = mismatched ? 'mismatched' : 'matched';
      const on = { paymentId, statementId, dfspId };
      return mismatched
        ? eventOf(
            PaymentReconciliationMismatched,
            {
              ...on,
              kind: 'amount',
              statementAmountMinor,
              statementCurrency: 'KES',
              ledgerAmountMinor: amountMinor,
              ledgerCurrency: 'KES',
              ledgerStatus: 'succeeded',
            },
            'user:oscar',
            statementId,
          )
        : eventOf(
            PaymentReconciled,
            { ...on, amountMinor, currency: 'KES' },
            'user:oscar',
            statementId,
          );
    });
    const statements: Append[] = [];
    for (const [dfspId, lines] of linesOf) {
      const statementId = statementIds.get(dfspId) ?? '';
      if (lines.length === 0) continue;
      const ofStatement = <Type extends string, Schema extends z.ZodType>(
        definition: EventDefinition<Type, Schema>,
        data: z.input<Schema>,
      ) => eventOf(definition, data, 'user:oscar', statementId);
      const imported = ofStatement(StatementImported, {
        statementId,
        dfspId,
        format: dfspId.startsWith('mobile') ? 'csv' : 'mt940',
        contentSha256: randomUUID().replaceAll('-', '').repeat(2),
        currency: 'KES',
        lineCount: lines.length,
        by: 'user:oscar',
      });
      const reconciled = chunks(lines, 1_000).map((chunk) =>
        ofStatement(StatementLinesReconciled, { statementId, lines: chunk }),
      );
      const balance = ofStatement(StatementBalanceChecked, {
        statementId,
        outcome: 'not_available',
      });
      const events = [imported, ...reconciled, balance];
      statements.push({ stream: statementStream(statementId), expected: 'no_stream', events });
      expectation.rows.statements += 1;
      const exceptions = lines.filter((line) => line.outcome !== 'matched');
      expectation.rows.reconciliation_discrepancies += exceptions.length;
    }
    await write(statements);
  };

  const batchCount = Math.max(1, Math.round(targetEvents / EVENTS_PER_BATCH));
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: BATCHES_IN_FLIGHT }, async () => {
      for (let index = nextBatch++; index < batchCount; index = nextBatch++) {
        await runBatch(index);
      }
    }),
  );
  return expectation;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/** One projection's rebuild: events applied (and expected), wall time, and feed reads. */
interface ProjectionReplay {
  readonly projection: string;
  readonly batchSize: number;
  readonly events: number;
  readonly expectedEvents: number;
  readonly seconds: number;
  /** How long the runner's page reads were in flight; they overlap applying the page before. */
  readonly feedReadSeconds: number;
}

/** Rebuilds every projection in turn, as `npm run rebuild` does, timing each. */
async function replayAll(
  store: EventStore,
  db: SqlDatabase,
  batchSize: number,
  expectation: Expectation,
): Promise<ProjectionReplay[]> {
  const runs: ProjectionReplay[] = [];
  for (const projection of projections) {
    let feedReadMs = 0;
    // The runner's page reads, timed.
    const timedStore: EventStore = {
      ...store,
      async readAll(options) {
        const started = performance.now();
        try {
          return await store.readAll(options);
        } finally {
          feedReadMs += performance.now() - started;
        }
      },
    };
    const started = performance.now();
    const events = await rebuildProjection(timedStore, db, projection, { batchSize });
    const seconds = (performance.now() - started) / 1000;
    const types = projection.filter?.eventTypes;
    const expectedEvents =
      types === undefined
        ? expectation.events
        : types.reduce((sum, type) => sum + (expectation.eventsByType.get(type) ?? 0), 0);
    runs.push({
      projection: projection.name,
      batchSize,
      events,
      expectedEvents,
      seconds,
      feedReadSeconds: feedReadMs / 1000,
    });
    process.stdout.write(
      `  ${projection.name}: ${events.toLocaleString('en')} events in ${seconds.toFixed(1)} s\n`,
    );
  }
  return runs;
}

/** Each read-model table's key, the order its rows are fingerprinted in. */
const TABLE_KEYS: Readonly<Record<keyof Expectation['rows'], string>> = {
  stream_summaries: 'stream_id',
  payments: 'payment_id',
  batches: 'batch_id',
  batch_payment_totals: 'batch_id, dfsp_id, status, reconciliation',
  dfsps: 'dfsp_id',
  statements: 'statement_id',
  reconciliation_discrepancies: 'discrepancy_id',
};

/**
 * Row counts of every read-model table against the seed's bookkeeping, and an md5 of each
 * table's rows (so replays with different batch sizes can be compared); answers the misses.
 */
async function checkRows(
  db: SqlDatabase,
  expectation: Expectation,
): Promise<{ misses: string[]; fingerprints: Record<string, string> }> {
  const misses: string[] = [];
  const fingerprints: Record<string, string> = {};
  for (const [table, keys] of Object.entries(TABLE_KEYS)) {
    const { rows } = await db.query<{ count: string; md5: string }>(
      `SELECT count(*)::text AS count,
         md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${keys}), '')) AS md5
       FROM ${table} t`,
    );
    const actual = Number(rows[0]?.count);
    const expected = expectation.rows[table as keyof Expectation['rows']];
    if (actual !== expected) misses.push(`${table}: ${actual} rows, expected ${expected}`);
    fingerprints[table] = rows[0]?.md5 ?? '';
  }
  const { rows } = await db.query<{ count: string }>(
    'SELECT coalesce(sum(count), 0)::text AS count FROM batch_payment_totals',
  );
  const counted = Number(rows[0]?.count);
  if (counted !== expectation.rows.payments) {
    misses.push(`batch_payment_totals count ${counted}, expected ${expectation.rows.payments}`);
  }
  return { misses, fingerprints };
}

const { values: options } = parseArgs({
  args: isMain(import.meta.url) ? process.argv.slice(2) : [],
  options: {
    events: { type: 'string', default: '1000000' },
    'batch-sizes': { type: 'string', default: '500,2000' },
    keep: { type: 'boolean', default: false },
    database: { type: 'string' },
  },
});

export const b3Replay: Scenario = async () => {
  const targetEvents = Number(options.events);
  const batchSizes = (options['batch-sizes'] ?? '500').split(',').map(Number);
  if (!Number.isInteger(targetEvents) || targetEvents < EVENTS_PER_BATCH) {
    throw new Error(`--events must be an integer of at least ${EVENTS_PER_BATCH}`);
  }
  if (batchSizes.some((size) => !Number.isInteger(size) || size < 1 || size > 10_000)) {
    throw new Error('--batch-sizes must list integers from 1 to 10,000');
  }
  const database = options.database
    ? { url: options.database, drop: async () => {} }
    : await createBenchDatabase();
  const db = createPostgresDatabase(database.url, { maxConnections: 8 });
  const keep = options.keep || options.database !== undefined;
  try {
    await migrate(db, [eventStoreMigrations, readModelMigrations, dfspSecretsMigrations]);
    const store = createPostgresEventStore(db);

    process.stdout.write(
      `B3 replay: seeding about ${targetEvents.toLocaleString('en')} events` +
        `${options.database ? ' (counting only: --database)' : ''}\n`,
    );
    const seedStarted = performance.now();
    const sink: AppendSink = options.database
      ? async () => {}
      : async (appends) => {
          await Promise.all(appends.map((a) => store.append(a.stream, a.expected, a.events)));
        };
    const expectation = await seedLedger(sink, targetEvents);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const head = await store.headPosition();
    if (head !== BigInt(expectation.events)) {
      throw new Error(`the log holds ${head} events, the seed wrote ${expectation.events}`);
    }
    process.stdout.write(
      `seeded ${expectation.events.toLocaleString('en')} events in ${seedSeconds.toFixed(1)} s ` +
        `(${formatRate(expectation.events, seedSeconds)}/s), ` +
        `${expectation.validated.toLocaleString('en')} validated\n`,
    );
    await db.query('VACUUM ANALYZE ledger_events');
    // The seed's dirty pages are written now, not by checkpoints in the middle of the replay.
    await db.query('CHECKPOINT');

    const replays: { batchSize: number; runs: ProjectionReplay[]; misses: string[] }[] = [];
    let firstFingerprints: Record<string, string> | undefined;
    for (const batchSize of batchSizes) {
      process.stdout.write(`replay, batch size ${batchSize}:\n`);
      const runs = await replayAll(store, db, batchSize, expectation);
      const { misses, fingerprints } = await checkRows(db, expectation);
      for (const run of runs) {
        if (run.events !== run.expectedEvents) {
          misses.push(`${run.projection}: applied ${run.events}, expected ${run.expectedEvents}`);
        }
      }
      firstFingerprints ??= fingerprints;
      for (const [table, md5] of Object.entries(fingerprints)) {
        if (firstFingerprints[table] !== md5) {
          misses.push(`${table}: rows differ from the replay with batch size ${batchSizes[0]}`);
        }
      }
      replays.push({ batchSize, runs, misses });
    }
    await store.close();

    const table: string[][] = [
      ['projection', 'batch', 'events', 'seconds', 'reads in flight s', 'events/s'],
    ];
    const totals = replays.map(({ batchSize, runs }) => {
      const events = runs.reduce((sum, run) => sum + run.events, 0);
      const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
      const feedReadSeconds = runs.reduce((sum, run) => sum + run.feedReadSeconds, 0);
      for (const run of runs) {
        table.push([
          run.projection,
          String(batchSize),
          run.events.toLocaleString('en'),
          run.seconds.toFixed(1),
          run.feedReadSeconds.toFixed(1),
          formatRate(run.events, run.seconds),
        ]);
      }
      table.push([
        'all read models',
        String(batchSize),
        events.toLocaleString('en'),
        seconds.toFixed(1),
        feedReadSeconds.toFixed(1),
        formatRate(events, seconds),
      ]);
      const eventsPerSecond = events / seconds;
      const logEventsPerSecond = expectation.events / seconds;
      return { batchSize, events, seconds, feedReadSeconds, eventsPerSecond, logEventsPerSecond };
    });
    printTable(table);
    for (const total of totals) {
      process.stdout.write(
        `batch ${total.batchSize}: the ${expectation.events.toLocaleString('en')}-event log ` +
          `replayed into every read model in ${total.seconds.toFixed(1)} s ` +
          `(${formatRate(expectation.events, total.seconds)} log events/s)\n`,
      );
    }
    const misses = replays.flatMap(({ batchSize, misses }) =>
      misses.map((miss) => `batch ${batchSize}: ${miss}`),
    );
    const sameRows = batchSizes.length > 1 ? ', and every batch size gives the same rows' : '';
    process.stdout.write(
      misses.length === 0
        ? `replay exact: row counts and events applied match the seed${sameRows}\n`
        : `replay NOT exact:\n  ${misses.join('\n  ')}\n`,
    );

    const [headline, ...others] = totals;
    const headlineRuns = replays[0]?.runs ?? [];
    if (headline === undefined) throw new Error('no replay ran');
    const figures: ScenarioFigure[] = [
      {
        name: 'replay events/s (all read models)',
        value: formatRate(headline.events, headline.seconds),
        target: `≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en')}`,
        met: headline.eventsPerSecond >= TARGET_EVENTS_PER_SECOND && misses.length === 0,
      },
      ...headlineRuns.map((run) => ({
        name: `replay events/s (${run.projection})`,
        value: formatRate(run.events, run.seconds),
        target: '',
      })),
      ...others.map((total) => ({
        name: `replay events/s (all read models, batch ${total.batchSize})`,
        value: formatRate(total.events, total.seconds),
        target: '',
      })),
    ];
    const resultFile = await writeResult('b3-replay', {
      parameters: { targetEvents, batchSizes, paymentsPerBatch: PAYMENTS_PER_BATCH },
      seeding: {
        method: options.database
          ? 'reused database (--database)'
          : 'event store appends (createPostgresEventStore), one per stream per phase',
        events: expectation.events,
        seconds: seedSeconds,
        validated: expectation.validated,
        eventsByType: Object.fromEntries(expectation.eventsByType),
      },
      expectedRows: expectation.rows,
      replays: replays.map((replay, i) => ({ ...replay, total: totals[i] })),
      exact: misses.length === 0,
      figures,
    });
    process.stdout.write(`result: ${resultFile}\n`);
    if (keep) process.stdout.write(`database kept: ${database.url}\n`);
    return { scenario: 'b3-replay', figures, resultFile };
  } finally {
    await db.close();
    if (!keep) await database.drop();
  }
};

if (isMain(import.meta.url)) {
  b3Replay().catch((error: unknown) => {
    process.stderr.write(`b3 replay failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  });
}
