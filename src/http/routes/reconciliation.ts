import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  type DiscrepancyFilter,
  type DiscrepancyView,
  MAX_PAGE_SIZE,
  type ReadModelQueries,
} from '../../application/readModels.js';
import { DomainError } from '../../domain/domainError.js';
import { optional } from '../../domain/optional.js';
import { requireRoles } from '../auth.js';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem } from '../problems.js';
import { BEARER_SECURITY, ProblemSchema, problemResponses } from '../schemas/common.js';
import {
  DiscrepancyListQuerySchema,
  DiscrepancyPageSchema,
  StatementParamsSchema,
  StatementViewSchema,
} from '../schemas/reconciliation.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'Reconciliation';
const json = 'application/json';
const csv = 'text/csv';
const READERS = ['reporter', 'operator', 'auditor'] as const;

/** The most discrepancies one CSV answer holds; more is refused (narrow the filters). */
export const MAX_CSV_ROWS = 100_000;

/** The CSV's columns, in order: a discrepancy flattened, amounts as decimal strings. */
const CSV_COLUMNS = [
  'discrepancyId',
  'kind',
  'severity',
  'statementId',
  'dfspId',
  'batchId',
  'paymentId',
  'reference',
  'lineNumber',
  'statementAmount',
  'statementCurrency',
  'ledgerAmount',
  'ledgerCurrency',
  'ledgerStatus',
  'detectedAt',
] as const;

const getStatement = createRoute({
  method: 'get',
  path: '/v1/reconciliation/statements/{statementId}',
  tags: [TAG],
  summary:
    'An imported statement: its lines by outcome, its balances (reporter, operator, auditor)',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...READERS)] as const,
  request: { params: StatementParamsSchema },
  responses: {
    200: { description: 'The statement', content: { [json]: { schema: StatementViewSchema } } },
    ...problemResponses(400, 404),
  },
});

const listDiscrepancies = createRoute({
  method: 'get',
  path: '/v1/reconciliation/discrepancies',
  tags: [TAG],
  summary: 'What reconciliation found wrong, by DFSP, batch or kind (reporter, operator, auditor)',
  description:
    'Keyset-paginated JSON by default. With `Accept: text/csv`, every matching discrepancy as ' +
    'one RFC 4180 CSV (header row first, CRLF line ends; `limit` and `cursor` do not apply), ' +
    `at most ${MAX_CSV_ROWS.toLocaleString('en')} rows: more is a 422 ` +
    '`too_many_rows` problem, never a truncated file; narrow the filters or page the JSON. ' +
    'A `reference` that a spreadsheet would take for a formula (starting with `=`, `+`, `-`, ' +
    "`@`, tab or CR) is prefixed with `'`.",
  security: BEARER_SECURITY,
  middleware: [requireRoles(...READERS)] as const,
  request: { query: DiscrepancyListQuerySchema },
  responses: {
    200: {
      description: 'A page of discrepancies, or all of them as CSV',
      content: {
        [json]: { schema: DiscrepancyPageSchema },
        [csv]: { schema: z.string().openapi({ example: `${CSV_COLUMNS.join(',')}\r\n` }) },
      },
    },
    ...problemResponses(400),
    422: {
      description: `CSV asked for, and more than ${MAX_CSV_ROWS} discrepancies match`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    },
  },
});

/** Reading what reconciliation made of DFSPs' statements (DESIGN.md, HTTP API v1). */
export function registerReconciliationRoutes(
  app: OpenAPIHono,
  deps: { readonly queries: ReadModelQueries },
): void {
  app.openapi(getStatement, async (c) => {
    const { statementId } = c.req.valid('param');
    const statement = await deps.queries.getStatement(statementId);
    if (statement === undefined) {
      throw new DomainError('statement_not_found', `no statement ${statementId}`);
    }
    return c.json(statement, 200);
  });

  app.openapi(listDiscrepancies, async (c) => {
    const filter = withoutUndefined(c.req.valid('query'));
    if (!wantsCsv(c.req.header('accept'))) {
      return c.json(await deps.queries.listDiscrepancies(filter), 200, { vary: 'Accept' });
    }
    const { limit: _limit, cursor: _cursor, ...matching } = filter;
    const chunks = await discrepanciesCsv(deps.queries, matching);
    return c.body(streamOf(chunks), 200, {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': 'attachment; filename="discrepancies.csv"',
      vary: 'Accept',
    });
  });
}

/**
 * Whether the client asks for CSV: `Accept` names `text/csv` with a q above zero, and
 * `application/json` with no higher q. Anything else (no header, wildcards) is JSON.
 */
function wantsCsv(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  let csvQ = 0;
  let jsonQ = 0;
  for (const entry of accept.split(',').slice(0, 50)) {
    const [range = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const weight = parameters.find((parameter) => parameter.startsWith('q='));
    const q = weight === undefined ? 1 : Number(weight.slice(2));
    if (!Number.isFinite(q)) continue;
    if (range === csv) csvQ = Math.max(csvQ, q);
    if (range === json) jsonQ = Math.max(jsonQ, q);
  }
  return csvQ > 0 && csvQ >= jsonQ;
}

/**
 * Every discrepancy matching the filter as CSV text, a chunk per page walked. Throws the
 * `too_many_rows` problem past {@link MAX_CSV_ROWS}, before anything is answered.
 */
async function discrepanciesCsv(
  queries: ReadModelQueries,
  filter: Omit<DiscrepancyFilter, 'limit' | 'cursor'>,
): Promise<readonly string[]> {
  const chunks = [csvLine(CSV_COLUMNS)];
  const maxPages = Math.ceil(MAX_CSV_ROWS / MAX_PAGE_SIZE) + 1;
  let cursor: string | undefined;
  let rows = 0;
  for (let pages = 0; pages < maxPages; pages += 1) {
    const page = await queries.listDiscrepancies({
      ...filter,
      limit: MAX_PAGE_SIZE,
      ...optional('cursor', cursor),
    });
    rows += page.items.length;
    if (rows > MAX_CSV_ROWS) {
      throw new ProblemError(
        problem(
          'too_many_rows',
          422,
          `more than ${MAX_CSV_ROWS} discrepancies match: narrow the query with dfspId, batchId ` +
            'or kind, or page through the JSON list',
        ),
      );
    }
    chunks.push(page.items.map((item) => csvLine(csvFields(item))).join(''));
    if (page.nextCursor === null) return chunks;
    cursor = page.nextCursor;
  }
  throw new Error(`discrepancies: ${maxPages} pages of ${MAX_PAGE_SIZE} did not end the list`);
}

function csvFields(item: DiscrepancyView): readonly string[] {
  return [
    item.discrepancyId,
    item.kind,
    item.severity,
    item.statementId,
    item.dfspId,
    item.batchId ?? '',
    item.paymentId ?? '',
    // The one field a DFSP writes freely: it must not run as a formula in a spreadsheet.
    item.reference === null ? '' : withoutFormula(item.reference),
    item.lineNumber === null ? '' : String(item.lineNumber),
    item.statement?.amount ?? '',
    item.statement?.currency ?? '',
    item.ledger?.amount ?? '',
    item.ledger?.currency ?? '',
    item.ledger?.status ?? '',
    item.detectedAt,
  ];
}

/** One RFC 4180 record: fields holding `"`, `,`, CR or LF quoted, quotes doubled, CRLF ended. */
function csvLine(fields: readonly string[]): string {
  const quoted = fields.map((field) =>
    /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field,
  );
  return `${quoted.join(',')}\r\n`;
}

/** OWASP's defence against CSV injection: a leading `'` keeps a spreadsheet from evaluating it. */
function withoutFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The chunks as a byte stream, encoded one at a time rather than joined first. */
function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[next];
      next += 1;
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
}
