import { assertNever } from '../domain/assertNever.js';
import type { SimulatedStatement } from './simulatedStatement.js';
import { MAX_END_TO_END_ID_CHARS, statementCamt053 } from './statementCamt053.js';
import { statementCsv } from './statementCsv.js';
import { mt940ReferenceProblem, statementMt940 } from './statementMt940.js';

/** The formats `GET /statements` writes. */
export const statementFormats = ['csv', 'mt940', 'camt053'] as const;
export type StatementFormat = (typeof statementFormats)[number];

/** A statement written out, or why it cannot be written in the format asked for. */
export type RenderedStatement =
  | { ok: true; contentType: string; body: string }
  | { ok: false; message: string };

/**
 * Writes `statement` as `format`: CSV (`text/csv; charset=utf-8`), MT940
 * (`text/plain; charset=utf-8`) or camt.053 (`application/xml`). MT940 and camt.053 carry a
 * reference of at most 35 characters; a longer one (never a ledger payment id) is refused, not
 * cut.
 */
export function renderStatement(
  statement: SimulatedStatement,
  format: StatementFormat,
): RenderedStatement {
  switch (format) {
    case 'csv':
      return { ok: true, contentType: 'text/csv; charset=utf-8', body: statementCsv(statement) };
    case 'mt940': {
      for (const line of statement.lines) {
        const problem = mt940ReferenceProblem(line.reference);
        if (problem !== null) return refused(line.reference, 'MT940', problem);
      }
      return {
        ok: true,
        contentType: 'text/plain; charset=utf-8',
        body: statementMt940(statement),
      };
    }
    case 'camt053': {
      for (const line of statement.lines) {
        if (line.reference.length > MAX_END_TO_END_ID_CHARS) {
          return refused(
            line.reference,
            'camt.053',
            `at most ${MAX_END_TO_END_ID_CHARS} characters`,
          );
        }
      }
      return { ok: true, contentType: 'application/xml', body: statementCamt053(statement) };
    }
    default:
      return assertNever(format);
  }
}

function refused(reference: string, format: string, problem: string): RenderedStatement {
  const shown = JSON.stringify(reference.slice(0, 40));
  return { ok: false, message: `reference ${shown} cannot be carried in ${format}: ${problem}` };
}
