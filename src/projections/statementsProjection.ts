import type { RecordedEvent } from '../application/eventStore.js';
import type { Projection } from '../application/feedConsumer.js';
import type { DiscrepancyKind, DiscrepancySeverity } from '../application/readModels.js';
import { assertNever } from '../domain/assertNever.js';
import {
  type LineOutcome,
  type ReconciledLine,
  StatementBalanceChecked,
  type StatementEvent,
  StatementImported,
  StatementLinesReconciled,
  StatementPaymentsMissing,
  statementEvents,
} from '../domain/statementEvents.js';
import {
  type DiscrepancyRow,
  loadStatements,
  type StatementRow,
  writeDiscrepancies,
  writeStatements,
} from './statementsTables.js';

/** The discrepancy a line's outcome is; none for a plain match or a line that is no payment. */
const KIND_OF_OUTCOME: Readonly<Record<LineOutcome, DiscrepancyKind | undefined>> = {
  matched: undefined,
  mismatched: 'mismatched',
  paid_but_failed: 'paid_but_failed',
  paid_twice: 'paid_twice',
  returned: 'returned',
  unknown: 'unknown_line',
  other_dfsp: 'other_dfsp',
  not_a_payment: undefined,
};

/**
 * How urgent each kind is: money paid that should not have been, or a statement that does not
 * add up, is critical; a return is the DFSP's normal business.
 */
export const SEVERITY_OF_KIND: Readonly<Record<DiscrepancyKind, DiscrepancySeverity>> = {
  paid_but_failed: 'critical',
  paid_twice: 'critical',
  balance_break: 'critical',
  mismatched: 'warning',
  unknown_line: 'warning',
  other_dfsp: 'warning',
  missing_from_statement: 'warning',
  returned: 'info',
};

/** Line numbers are padded to this many digits in discrepancy ids, so ids sort in line order. */
const LINE_NUMBER_DIGITS = 7;

/**
 * The `statements` and `reconciliation_discrepancies` read models: one row per imported DFSP
 * statement with its lines counted by reconciliation outcome and its balance check, and one row
 * per exception found (a line that is no plain match, a payment the statement leaves out, a
 * balance break). Discrepancy ids are derived from the statement and the line, payment or
 * balance (`{statementId}:L0000012`, `{statementId}:M:{paymentId}`, `{statementId}:B`), so a
 * rebuild writes identical rows. Per batch of events, one query reads the statements touched,
 * the events are folded into them in memory, and a few statements write the result.
 */
export const statementsProjection: Projection = {
  name: 'statements',
  filter: { eventTypes: statementEvents.map((definition) => definition.type) },
  tables: ['statements', 'reconciliation_discrepancies'],
  async apply(tx, events) {
    const parsed = events.flatMap((event) => {
      const statementEvent = withContext(event, () => parse(event));
      return statementEvent === undefined ? [] : [{ event, statementEvent }];
    });
    if (parsed.length === 0) return;
    const ids = new Set(parsed.map(({ statementEvent }) => statementEvent.data.statementId));
    const rows = await loadStatements(tx, [...ids]);
    const discrepancies: DiscrepancyRow[] = [];
    for (const { event, statementEvent } of parsed) {
      withContext(event, () =>
        fold(rows, discrepancies, statementEvent, event.metadata.occurredAt),
      );
    }
    await writeStatements(tx, [...rows.values()]);
    await writeDiscrepancies(tx, discrepancies);
  },
};

function parse(event: RecordedEvent): StatementEvent | undefined {
  switch (event.type) {
    case StatementImported.type:
      return { type: StatementImported.type, data: StatementImported.schema.parse(event.data) };
    case StatementLinesReconciled.type:
      return {
        type: StatementLinesReconciled.type,
        data: StatementLinesReconciled.schema.parse(event.data),
      };
    case StatementPaymentsMissing.type:
      return {
        type: StatementPaymentsMissing.type,
        data: StatementPaymentsMissing.schema.parse(event.data),
      };
    case StatementBalanceChecked.type:
      return {
        type: StatementBalanceChecked.type,
        data: StatementBalanceChecked.schema.parse(event.data),
      };
    default:
      return undefined;
  }
}

function fold(
  rows: Map<string, StatementRow>,
  discrepancies: DiscrepancyRow[],
  event: StatementEvent,
  occurredAt: string,
): void {
  const { statementId } = event.data;
  switch (event.type) {
    case 'StatementImported': {
      if (rows.has(statementId)) throw new Error(`statement ${statementId} imported twice`);
      const { data } = event;
      rows.set(statementId, {
        statementId,
        dfspId: data.dfspId,
        format: data.format,
        contentSha256: data.contentSha256,
        statementRef: data.statementRef ?? null,
        accountId: data.accountId ?? null,
        currency: data.currency ?? null,
        periodFrom: data.from ?? null,
        periodTo: data.to ?? null,
        openingMinor: minorOrNull(data.opening?.amountMinor),
        closingMinor: minorOrNull(data.closing?.amountMinor),
        computedClosingMinor: null,
        balanceCheck: null,
        lineCount: data.lineCount,
        counts: {
          matched: 0,
          mismatched: 0,
          paid_but_failed: 0,
          paid_twice: 0,
          returned: 0,
          unknown: 0,
          other_dfsp: 0,
          not_a_payment: 0,
        },
        missingCount: 0,
        importedBy: data.by,
        importedAt: occurredAt,
        notices: data.notices ?? null,
      });
      return;
    }
    case 'StatementLinesReconciled': {
      const row = imported(rows, statementId);
      for (const line of event.data.lines) {
        row.counts[line.outcome] += 1;
        const discrepancy = lineDiscrepancy(row, line, occurredAt);
        if (discrepancy !== undefined) discrepancies.push(discrepancy);
      }
      return;
    }
    case 'StatementPaymentsMissing': {
      const row = imported(rows, statementId);
      row.missingCount += event.data.payments.length;
      for (const payment of event.data.payments) {
        discrepancies.push({
          ...discrepancyOf(row, `${statementId}:M:${payment.paymentId}`, 'missing_from_statement'),
          batchId: payment.batchId,
          paymentId: payment.paymentId,
          ledgerAmountMinor: payment.amountMinor,
          ledgerCurrency: payment.currency,
          detectedAt: occurredAt,
        });
      }
      return;
    }
    case 'StatementBalanceChecked': {
      const row = imported(rows, statementId);
      const { data } = event;
      row.balanceCheck = data.outcome;
      row.openingMinor = minorOrNull(data.openingMinor) ?? row.openingMinor;
      row.closingMinor = minorOrNull(data.closingMinor) ?? row.closingMinor;
      row.computedClosingMinor = minorOrNull(data.computedClosingMinor);
      if (data.outcome === 'break') {
        // What the statement states against what its own lines add up to (`statements`).
        discrepancies.push({
          ...discrepancyOf(row, `${statementId}:B`, 'balance_break'),
          statementAmountMinor: row.closingMinor === null ? null : String(row.closingMinor),
          statementCurrency: row.closingMinor === null ? null : row.currency,
          detectedAt: occurredAt,
        });
      }
      return;
    }
    default:
      assertNever(event);
  }
}

/** The discrepancy a statement line is, if it is one. */
function lineDiscrepancy(
  row: StatementRow,
  line: ReconciledLine,
  detectedAt: string,
): DiscrepancyRow | undefined {
  const kind = KIND_OF_OUTCOME[line.outcome];
  if (kind === undefined) return undefined;
  const lineId = String(line.lineNumber).padStart(LINE_NUMBER_DIGITS, '0');
  // Reconciliation names the batch only of a line whose reference is a payment of the ledger.
  const ofLedger = line.batchId !== undefined;
  return {
    ...discrepancyOf(row, `${row.statementId}:L${lineId}`, kind),
    batchId: line.batchId ?? null,
    paymentId: ofLedger ? line.reference : null,
    reference: line.reference,
    lineNumber: line.lineNumber,
    statementAmountMinor: line.amountMinor,
    statementCurrency: line.currency,
    ledgerAmountMinor: line.ledgerAmountMinor ?? null,
    ledgerCurrency: line.ledgerCurrency ?? null,
    ledgerStatus: line.ledgerStatus ?? null,
    detectedAt,
  };
}

/** A discrepancy of the statement with every optional column empty. */
function discrepancyOf(row: StatementRow, discrepancyId: string, kind: DiscrepancyKind) {
  return {
    discrepancyId,
    kind,
    severity: SEVERITY_OF_KIND[kind],
    statementId: row.statementId,
    dfspId: row.dfspId,
    batchId: null,
    paymentId: null,
    reference: null,
    lineNumber: null,
    statementAmountMinor: null,
    statementCurrency: null,
    ledgerAmountMinor: null,
    ledgerCurrency: null,
    ledgerStatus: null,
  };
}

/** The statement, which must exist: StatementImported begins every statement stream. */
function imported(rows: Map<string, StatementRow>, statementId: string): StatementRow {
  const row = rows.get(statementId);
  if (row === undefined) {
    throw new Error(`statement ${statementId} has no row: events out of order?`);
  }
  return row;
}

function minorOrNull(amountMinor: string | undefined): bigint | null {
  return amountMinor === undefined ? null : BigInt(amountMinor);
}

/** Names the event in a failure, so a poison event can be found in the log. */
function withContext<T>(event: RecordedEvent, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${statementsProjection.name}: ` +
        `cannot project ${event.type} at position ${event.position}: ${reason}`,
      { cause: error },
    );
  }
}
