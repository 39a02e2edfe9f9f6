import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ulid } from 'ulid';
import { createSignatureAuthenticator } from '../../src/adapters/dfsp/callbackSignature.js';
import { onDisburseSchema, parseOnDisburse } from '../../src/adapters/dfsp/g2pConnectMessages.js';
import {
  createDfspSecrets,
  dfspSecretsMigrations,
} from '../../src/adapters/postgres/dfspSecrets.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createSealer } from '../../src/adapters/secrets/sealing.js';
import { createStatementReader } from '../../src/adapters/statements/statementReader.js';
import type { EventStore } from '../../src/application/eventStore.js';
import type { CommandContext, LedgerCommands } from '../../src/application/ledgerCommands.js';
import type { Logger } from '../../src/application/logger.js';
import {
  type ProgrammeCommands,
  programmeCommands,
} from '../../src/application/programmeCommands.js';
import {
  type BatchSummaryView,
  type DfspView,
  type DiscrepancyView,
  PAYMENT_STATUSES,
  type Page,
  type PaymentView,
  type ReadModelQueries,
  type StatementView,
} from '../../src/application/readModels.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import type { DfspProfile } from '../../src/domain/dfspEvents.js';
import { DomainError } from '../../src/domain/domainError.js';
import type { PublishedRule } from '../../src/domain/routingRulesEvents.js';
import { type AppDependencies, createApp } from '../../src/http/app.js';
import { parseApiTokens } from '../../src/http/auth.js';
import { createMigratedPglite } from '../support/databases.js';

// `recordingCommands` and `fixedQueries` stand in for the real LedgerCommands and
// ReadModelQueries, so that these suites test only what the HTTP layer does with its
// collaborators; the end-to-end suites (test/e2e) drive the real ones.

/** One bearer token per role, plus one principal holding two roles. */
export const TOKENS = {
  admin: 'admin-token-0001',
  operator: 'operator-token-0001',
  approver: 'approver-token-0001',
  auditor: 'auditor-token-0001',
  reporter: 'reporter-token-0001',
  operatorApprover: 'both-token-0001',
  programme: 'programme-token-0001',
} as const;

export const API_TOKENS = [
  `${TOKENS.admin}=ada:admin`,
  `${TOKENS.operator}=oscar:operator`,
  `${TOKENS.approver}=april:approver`,
  `${TOKENS.auditor}=audrey:auditor`,
  `${TOKENS.reporter}=rita:reporter`,
  `${TOKENS.operatorApprover}=otto:operator|approver`,
  `${TOKENS.programme}=ministry:programme@CT-OVC`,
].join(',');

/** Headers of a JSON request with `token`. */
export function as(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra };
}

/** A call the HTTP layer made on the commands, with the context it passed. */
export interface RecordedCall {
  readonly method: keyof LedgerCommands;
  readonly args: readonly unknown[];
  readonly context: CommandContext | undefined;
}

/**
 * TEMPORARY fake of {@link LedgerCommands}: records every call and answers plausibly; `refuse`
 * makes a method throw the given error instead (to drive the problem mapping).
 */
export function recordingCommands() {
  const calls: RecordedCall[] = [];
  const refusals = new Map<keyof LedgerCommands, Error>();
  const registered = new Map<string, DfspProfile>();
  let rules: { version: number; rules: readonly PublishedRule[] } = { version: 0, rules: [] };

  const record = (method: keyof LedgerCommands, args: unknown[], context?: CommandContext) => {
    calls.push({ method, args, context });
    const refusal = refusals.get(method);
    if (refusal !== undefined) throw refusal;
  };

  const commands: LedgerCommands = {
    async registerDfsp(dfspId, registration, context) {
      record('registerDfsp', [dfspId, registration], context);
      const created = !registered.has(dfspId);
      const { callbackSecret: _, credentials: __, profile, mapping: ___, ...rest } = registration;
      const recorded: DfspProfile = {
        ...rest,
        ...(profile === undefined ? {} : { profile: `${profile}@1` }),
        currencies: [...rest.currencies],
        faTypes: [...rest.faTypes],
        parameters: rest.parameters === undefined ? undefined : { ...rest.parameters },
        dfspId,
        secretFingerprint: '0123456789abcdef',
      } as DfspProfile;
      registered.set(dfspId, recorded);
      return { created, profile: recorded };
    },
    async currentDfspRegistration(dfspId) {
      record('currentDfspRegistration', [dfspId]);
      return registered.get(dfspId);
    },
    async suspendDfsp(dfspId, reason, context) {
      record('suspendDfsp', [dfspId, reason], context);
    },
    async resumeDfsp(dfspId, context) {
      record('resumeDfsp', [dfspId], context);
    },
    async publishRoutingRules(published, context) {
      record('publishRoutingRules', [published], context);
      rules = { version: rules.version + 1, rules: published };
      return { version: rules.version };
    },
    async currentRoutingRules() {
      record('currentRoutingRules', []);
      return rules;
    },
    async dryRunRouting(payment) {
      record('dryRunRouting', [payment]);
      return { outcome: 'routed', dfspId: 'bank-a', ruleId: 'r1', rulesVersion: 1, via: 'route' };
    },
    async openBatch(input, context) {
      record('openBatch', [input], context);
      return { batchId: input.batchId ?? ulid(), created: true };
    },
    async addPayments(batchId, payments, context) {
      record('addPayments', [batchId, payments], context);
      return { payments: payments.map((p) => ({ reference: p.reference, paymentId: ulid() })) };
    },
    async amendBatch(batchId, input, context) {
      record('amendBatch', [batchId, input], context);
    },
    async submitBatch(batchId, context) {
      record('submitBatch', [batchId], context);
    },
    async approveBatch(batchId, context) {
      record('approveBatch', [batchId], context);
    },
    async cancelBatch(batchId, reason, context) {
      record('cancelBatch', [batchId, reason], context);
    },
    async cancelPayment(paymentId, reason, context) {
      record('cancelPayment', [paymentId, reason], context);
    },
    async resolvePayment(paymentId, resolution, may, context) {
      record('resolvePayment', [paymentId, resolution, may], context);
      return { resolution: 'proposed' };
    },
    async retryPayment(paymentId, context) {
      record('retryPayment', [paymentId], context);
    },
    async applyStatusReports(dfspId, reports, source, context) {
      record('applyStatusReports', [dfspId, reports, source], context);
      return reports.map((report) => ({ referenceId: report.referenceId, outcome: 'applied' }));
    },
    async importStatements(dfspId, file, context) {
      record('importStatements', [dfspId, file], context);
      return file.statements.map((statement) => ({
        statementId: '0'.repeat(26),
        created: true,
        lineCount: statement.lines.length,
        notices: statement.notices,
      }));
    },
    async eraseBeneficiary(beneficiaryId, reason, context) {
      record('eraseBeneficiary', [beneficiaryId, reason], context);
      return { beneficiaryKey: '0'.repeat(26), cancelledPayments: 0 };
    },
  };

  return {
    commands,
    calls,
    refuse(method: keyof LedgerCommands, error: Error) {
      refusals.set(method, error);
    },
  };
}

/**
 * TEMPORARY fake of {@link ReadModelQueries} over fixed rows. Cursors are row offsets; a cursor
 * that is not one is `invalid_cursor`, as the real queries answer.
 */
export function fixedQueries(
  rows: {
    readonly batches?: readonly BatchSummaryView[];
    readonly payments?: readonly PaymentView[];
    readonly dfsps?: readonly DfspView[];
    readonly statements?: readonly StatementView[];
    readonly discrepancies?: readonly DiscrepancyView[];
  } = {},
): ReadModelQueries & { readonly filters: unknown[] } {
  const filters: unknown[] = [];
  const page = <Item>(
    items: readonly Item[],
    filter: { limit?: number; cursor?: string },
  ): Page<Item> => {
    filters.push(filter);
    const start = filter.cursor === undefined ? 0 : Number(filter.cursor);
    if (!Number.isInteger(start) || start < 0) {
      throw new DomainError('invalid_cursor', 'not a cursor this API issued', ['cursor']);
    }
    const end = start + (filter.limit ?? 100);
    return { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : null };
  };
  const batches = rows.batches ?? [];
  const payments = rows.payments ?? [];
  return {
    filters,
    async getPayment(paymentId) {
      return payments.find((payment) => payment.paymentId === paymentId);
    },
    async listPayments(filter) {
      return page(
        payments.filter(
          (payment) =>
            (filter.batchId === undefined || payment.batchId === filter.batchId) &&
            (filter.status === undefined || payment.status === filter.status),
        ),
        filter,
      );
    },
    async findPayments({ paymentIds, references }) {
      return payments.filter(
        (payment) =>
          paymentIds.includes(payment.paymentId) ||
          references.some(
            (name) => name.batchId === payment.batchId && name.reference === payment.reference,
          ),
      );
    },
    async getBatch(batchId) {
      return batches.find((batch) => batch.batchId === batchId);
    },
    async listBatches(filter) {
      return page(batches, filter);
    },
    async listDfsps(filter) {
      return page(rows.dfsps ?? [], filter);
    },
    async listUnroutablePaymentIds() {
      return [];
    },
    async paymentsReadModelProgress() {
      return { through: 0n, reads: {} };
    },
    async listUnsentPaymentIdsOf() {
      return [];
    },
    async listPaymentsToSend() {
      return [];
    },
    async listSubmittedBefore() {
      return [];
    },
    async listRoutedPaymentIds() {
      return [];
    },
    async listSucceededPayments() {
      return [];
    },
    async getStatement(statementId) {
      return rows.statements?.find((statement) => statement.statementId === statementId);
    },
    async listDiscrepancies(filter) {
      return page(
        (rows.discrepancies ?? []).filter(
          (discrepancy) =>
            (filter.dfspId === undefined || discrepancy.dfspId === filter.dfspId) &&
            (filter.batchId === undefined || discrepancy.batchId === filter.batchId) &&
            (filter.kind === undefined || discrepancy.kind === filter.kind),
        ),
        filter,
      );
    },
  };
}

const zero = () => ({ count: 0, amount: '0.00' });

/** A batch summary row with every count at zero. */
export function aBatchSummary(overrides: Partial<BatchSummaryView> = {}): BatchSummaryView {
  const byStatus = Object.fromEntries(PAYMENT_STATUSES.map((status) => [status, zero()]));
  return {
    batchId: ulid(),
    programId: 'CT-OVC',
    cycleId: '2026-11',
    currency: 'KES',
    status: 'open',
    description: null,
    scheduledFor: null,
    declared: { count: 2, total: '300.00' },
    received: { count: 0, total: '0.00' },
    byStatus: byStatus as BatchSummaryView['byStatus'],
    byDfsp: [],
    reconciliation: { unreconciled: zero(), matched: zero(), mismatched: zero() },
    submittedBy: null,
    approvedBy: null,
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...overrides,
  };
}

/** A pending payment row. */
export function aPayment(overrides: Partial<PaymentView> = {}): PaymentView {
  return {
    paymentId: ulid(),
    batchId: ulid(),
    reference: 'ref-1',
    beneficiaryId: 'ben-1',
    payeeFa: 'account:100200300@bank-a',
    payeeName: null,
    amount: '100.00',
    currency: 'KES',
    region: null,
    status: 'pending',
    statusReason: null,
    inDoubt: false,
    dfspId: null,
    ruleId: null,
    rulesVersion: null,
    attempts: 0,
    reconciliation: 'unreconciled',
    createdAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    ...overrides,
  };
}

/** A logger whose JSON lines are kept for inspection. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return {
    logger,
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A real event store on in-memory PGlite, migrated. */
export async function pgliteEventStore(): Promise<{ events: EventStore; db: SqlDatabase }> {
  const db = await createMigratedPglite();
  return { events: createPostgresEventStore(db), db };
}

/**
 * Programme registrations on `store`, their mapper credentials sealed in its database under a
 * throw-away master key; mapper URLs on loopback allowed (for simulators).
 */
export async function realProgrammes(store: {
  events: EventStore;
  db: SqlDatabase;
}): Promise<ProgrammeCommands> {
  await migrate(store.db, [dfspSecretsMigrations]);
  const secrets = createDfspSecrets(store.db, createSealer(randomBytes(32)));
  return programmeCommands(store.events, secrets, {
    allowInsecure: true,
    hostAllowlist: ['127.0.0.1'],
  });
}

/**
 * The app under test: real auth, problems, schemas, metrics and logging; the fakes above for
 * commands and queries unless given; `events` is required (use {@link pgliteEventStore}).
 */
export function testApp(
  deps: Pick<AppDependencies, 'events'> & Partial<AppDependencies>,
): ReturnType<typeof createApp> {
  return createApp({
    commands: recordingCommands().commands,
    queries: fixedQueries(),
    tokens: parseApiTokens(API_TOKENS),
    logger: pino({ level: 'silent' }),
    checkReady: async () => {},
    registry: new Registry(),
    // No DFSP has a secret: every signed callback or statement answers 401 before a signature
    // could reach the replay check, which therefore has nothing to remember here.
    dfspAuthenticator: createSignatureAuthenticator(async () => undefined, {
      seen: async () => false,
      remember: async () => {},
    }),
    statusCallbacks: { parseStatusReport: parseOnDisburse, statusCallbackSchema: onDisburseSchema },
    callbackIntake: { read: async () => ({ kind: 'refused', reason: 'unknown_dfsp' }) },
    dfspTrial: {
      preview: async (dfspId) => {
        throw new DomainError('dfsp_not_found', `no DFSP ${dfspId}`);
      },
      test: async (dfspId) => {
        throw new DomainError('dfsp_not_found', `no DFSP ${dfspId}`);
      },
    },
    statements: createStatementReader(),
    fileJournal: { listFiles: async () => ({ sent: [], received: [] }) },
    ...deps,
  });
}
