import { createHash } from 'node:crypto';
import { DomainError } from '../domain/domainError.js';
import { ULID_PATTERN } from '../domain/eventSchemas.js';
import { optional } from '../domain/optional.js';
import { reconcileLine } from '../domain/reconciliation.js';
import {
  MAX_STATEMENT_NOTICES,
  type ParsedStatement,
  type StatementLine,
} from '../domain/statement.js';
import {
  type ReconciledLine,
  type StatementEvent,
  statementStream,
} from '../domain/statementEvents.js';
import { toNewEvents } from './commandHandler.js';
import { type EventStore, WrongExpectedRevisionError } from './eventStore.js';
import { mapInChunks } from './inChunks.js';
import type { CommandContext, StatementFile, StatementImportResult } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';

/** A payment the ledger holds as succeeded at a DFSP, as a statement should list it. */
export interface SucceededPayment {
  readonly paymentId: string;
  readonly batchId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
}

/**
 * The payments a DFSP paid in `[from, to)` in `currency`, as the ledger holds them (the read
 * model): those a statement of that period must list.
 */
export type SucceededPayments = (query: {
  readonly dfspId: string;
  readonly currency: string;
  readonly from: Date;
  readonly to: Date;
}) => Promise<readonly SucceededPayment[]>;

interface ImportDeps {
  readonly store: EventStore;
  readonly streams: LedgerStreams;
  readonly succeededPayments: SucceededPayments;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LINES_PER_EVENT = 1_000;
const STREAM_CONCURRENCY = 100;

/**
 * Imports every statement of a DFSP's file, in file order, each recorded as a statement of its
 * own (see {@link importStatement}); answers one result per statement. The first statement's id
 * is derived from the DFSP and the file's SHA-256 alone (as when a file held one statement), the
 * others' from these and their index, so the same file again answers the same ids and records
 * nothing, and a file cut short on import is completed by sending it again. The one entry for
 * every way statements arrive (HTTP, an inbox).
 *
 * @example
 * const read = await reader.read({ contentType, body });
 * if (read.ok) await importStatements(deps, 'bank-a', read, context);
 */
export async function importStatements(
  deps: ImportDeps,
  dfspId: string,
  file: StatementFile,
  context: CommandContext,
): Promise<StatementImportResult[]> {
  const { statements, contentSha256 } = file;
  const results: StatementImportResult[] = [];
  // One at a time: a statement's lines reconcile against what the ones before it recorded.
  for (const [index, statement] of statements.entries()) {
    const position = { index, count: statements.length };
    const { statementId, created } = await importStatement(
      deps,
      dfspId,
      statement,
      contentSha256,
      position,
      context,
    );
    results.push({
      statementId,
      created,
      ...optional('statementRef', statement.statementRef),
      lineCount: statement.lines.length,
      notices: statement.notices,
    });
  }
  return results;
}

/**
 * Imports one statement of a file: reconciles every line against the payment it names (payment
 * events `PaymentReconciled`, `PaymentReconciliationMismatched`, `PaymentReturned`), finds the
 * payments of the period the statement leaves out, checks its balances, and records it all on
 * `statement-{statementId}`. The id is derived from the DFSP, the file's SHA-256 and the
 * statement's place in it, so the same statement again answers the same id and appends
 * nothing; an import cut short is redone without recording a payment event twice (the deciders
 * see what is recorded). A line that names no payment is kept as `unknown`, never failing the
 * rest.
 */
async function importStatement(
  deps: ImportDeps,
  dfspId: string,
  statement: ParsedStatement,
  contentSha256: string,
  position: { readonly index: number; readonly count: number },
  context: CommandContext,
): Promise<{ readonly statementId: string; readonly created: boolean }> {
  const { store, streams } = deps;
  const statementId = statementIdOf(dfspId, contentSha256, position.index);
  const stream = statementStream(statementId);
  if ((await store.readStream(stream, { maxCount: 1 })).length > 0) {
    return { statementId, created: false };
  }
  const { state: dfsp } = await streams.dfsps.load(dfspId);
  if (dfsp.profile === undefined) throw new DomainError('dfsp_not_found', 'no such DFSP');

  const repeated = repeatedDebits(statement.lines);
  const work = statement.lines.map((line, index) => ({ line, repeated: repeated.has(index) }));
  const lines = await mapInChunks(work, STREAM_CONCURRENCY, ({ line, repeated }) =>
    reconcileOne(streams, statementId, dfspId, line, repeated, context),
  );
  const missing = await missingPayments(deps.succeededPayments, dfspId, statement);
  const events: StatementEvent[] = [
    imported(statementId, dfspId, statement, contentSha256, position, context),
    ...chunks(lines).map((chunk) => ({
      type: 'StatementLinesReconciled' as const,
      data: { statementId, lines: chunk },
    })),
    ...chunks(missing).map((chunk) => ({
      type: 'StatementPaymentsMissing' as const,
      data: {
        statementId,
        payments: chunk.map((payment) => ({
          ...payment,
          amountMinor: String(payment.amountMinor),
        })),
      },
    })),
    { type: 'StatementBalanceChecked', data: { statementId, ...balanceCheck(statement) } },
  ];
  try {
    await store.append(stream, 'no_stream', toNewEvents(events, context));
  } catch (error) {
    // The same statement imported at the same moment by another request: it answers the same.
    if (error instanceof WrongExpectedRevisionError) return { statementId, created: false };
    throw error;
  }
  return { statementId, created: true };
}

function imported(
  statementId: string,
  dfspId: string,
  statement: ParsedStatement,
  contentSha256: string,
  position: { readonly index: number; readonly count: number },
  context: CommandContext,
): StatementEvent {
  const currency = statement.opening?.currency ?? statement.lines[0]?.currency;
  const several = position.count > 1;
  return {
    type: 'StatementImported',
    data: {
      statementId,
      dfspId,
      format: statement.format,
      contentSha256,
      lineCount: statement.lines.length,
      by: context.actor,
      ...optional('statementIndex', several ? position.index : undefined),
      ...optional('statementsInFile', several ? position.count : undefined),
      ...optional('statementRef', statement.statementRef?.slice(0, 100)),
      ...optional('accountId', statement.accountId?.slice(0, 100)),
      ...optional('currency', currency),
      ...optional('from', statement.from),
      ...optional('to', statement.to),
      ...optional('opening', balanceData(statement.opening)),
      ...optional('closing', balanceData(statement.closing)),
      ...optional('notices', statement.notices.length > 0 ? noticeData(statement) : undefined),
    },
  };
}

function noticeData(statement: ParsedStatement) {
  return statement.notices.slice(0, MAX_STATEMENT_NOTICES).map((notice) => ({
    location: notice.location.slice(0, 100),
    kind: notice.kind,
    message: notice.message.slice(0, 200),
  }));
}

/**
 * A statement's id: 26 Crockford base32 characters of SHA-256(DFSP id, file hash), shaped like
 * the ledger's other ids; a file's statements after the first add their index (1, 2, …) to what
 * is hashed. Not time-ordered: it names the content, not the moment.
 *
 * @example
 * statementIdOf('bank-a', sha256Hex); // the first (or only) statement of the file
 * statementIdOf('bank-a', sha256Hex, 1); // its second statement
 */
export function statementIdOf(dfspId: string, contentSha256: string, index = 0): string {
  const named =
    index === 0 ? `${dfspId}\n${contentSha256}` : `${dfspId}\n${contentSha256}\n${index}`;
  const digest = createHash('sha256').update(named).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 17)) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let at = 0; at < 26; at += 1) {
    id = (CROCKFORD[Number(bits & 31n)] ?? '0') + id;
    bits >>= 5n;
  }
  return id;
}

async function reconcileOne(
  streams: LedgerStreams,
  statementId: string,
  dfspId: string,
  line: StatementLine,
  repeated: boolean,
  context: CommandContext,
): Promise<ReconciledLine> {
  const recorded: ReconciledLine = {
    lineNumber: line.lineNumber,
    reference: line.reference?.slice(0, 100) ?? null,
    amountMinor: String(line.amountMinor),
    currency: line.currency,
    direction: line.direction,
    reversal: line.reversal,
    outcome: 'unknown',
    ...optional('bookedOn', line.bookedOn),
  };
  const reference = line.reference;
  const isPaymentLine = line.direction === 'debit' ? !line.reversal : line.reversal;
  if (!isPaymentLine) return { ...recorded, outcome: 'not_a_payment' };
  if (reference === null || !ULID_PATTERN.test(reference)) return recorded;
  const toReconcile = {
    statementId,
    dfspId,
    amountMinor: line.amountMinor,
    currency: line.currency,
    direction: line.direction,
    reversal: line.reversal,
    repeated,
  };
  const { decidedOn } = await streams.payments(
    reference,
    { type: 'ReconcileStatementLine', line: toReconcile },
    context,
  );
  const payment = decidedOn.instructed;
  if (payment === undefined) return recorded;
  return {
    ...recorded,
    outcome: reconcileLine(decidedOn, toReconcile).outcome,
    batchId: payment.batchId,
    ledgerAmountMinor: payment.amountMinor,
    ledgerCurrency: payment.currency,
    ledgerStatus: decidedOn.status,
  };
}

/** Indexes of debit lines naming a reference an earlier debit line of the statement named. */
function repeatedDebits(lines: readonly StatementLine[]): ReadonlySet<number> {
  const seen = new Set<string>();
  const repeated = new Set<number>();
  lines.forEach((line, index) => {
    if (line.direction !== 'debit' || line.reversal || line.reference === null) return;
    if (seen.has(line.reference)) repeated.add(index);
    seen.add(line.reference);
  });
  return repeated;
}

/**
 * Payments the ledger holds as paid by this DFSP in the statement's period that it leaves out;
 * none for a notification, which lists only the entries it notifies.
 */
async function missingPayments(
  succeededPayments: SucceededPayments,
  dfspId: string,
  statement: ParsedStatement,
): Promise<readonly SucceededPayment[]> {
  // A debit notification (camt.054) tells of some entries, not of every entry of a period.
  if (statement.format === 'camt054') return [];
  const period = periodOf(statement);
  const currency = statement.opening?.currency ?? statement.lines[0]?.currency;
  if (period === undefined || currency === undefined) return [];
  const listed = new Set(statement.lines.map((line) => line.reference));
  const paid = await succeededPayments({ dfspId, currency, ...period });
  return paid.filter((payment) => !listed.has(payment.paymentId));
}

/**
 * The instants `[from, to)` a statement covers: its own period, else its first and last booking
 * dates. A date alone covers the whole day (UTC).
 */
function periodOf(statement: ParsedStatement): { from: Date; to: Date } | undefined {
  const booked = statement.lines
    .map((line) => line.bookedOn)
    .filter((date): date is string => date !== undefined)
    .sort();
  const from = statement.from ?? booked[0];
  const to = statement.to ?? booked[booked.length - 1];
  if (from === undefined || to === undefined) return undefined;
  const start = instantOf(from, 'start');
  const end = instantOf(to, 'end');
  return start === undefined || end === undefined ? undefined : { from: start, to: end };
}

function instantOf(text: string, edge: 'start' | 'end'): Date | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) return undefined;
  return new Date(dateOnly && edge === 'end' ? ms + 86_400_000 : ms);
}

function balanceCheck(statement: ParsedStatement) {
  const { opening, closing } = statement;
  if (opening === undefined || closing === undefined) return { outcome: 'not_available' as const };
  let computed = opening.amountMinor;
  for (const line of statement.lines) {
    computed += line.direction === 'credit' ? line.amountMinor : -line.amountMinor;
  }
  return {
    outcome: computed === closing.amountMinor ? ('balanced' as const) : ('break' as const),
    openingMinor: String(opening.amountMinor),
    closingMinor: String(closing.amountMinor),
    computedClosingMinor: String(computed),
  };
}

function balanceData(balance: ParsedStatement['opening']) {
  if (balance === undefined) return undefined;
  return {
    amountMinor: String(balance.amountMinor),
    currency: balance.currency,
    ...optional('on', balance.on),
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += LINES_PER_EVENT) {
    out.push(items.slice(start, start + LINES_PER_EVENT));
  }
  return out;
}
