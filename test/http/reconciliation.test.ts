import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type {
  DiscrepancyView,
  ReadModelQueries,
  StatementView,
} from '../../src/application/readModels.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { MAX_CSV_ROWS } from '../../src/http/routes/reconciliation.js';
import { as, fixedQueries, pgliteEventStore, TOKENS, testApp } from './support.js';

const STATEMENT_ID = '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y';
const BATCH_ID = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';
const CSV_HEADER =
  'discrepancyId,kind,severity,statementId,dfspId,batchId,paymentId,reference,lineNumber,' +
  'statementAmount,statementCurrency,ledgerAmount,ledgerCurrency,ledgerStatus,detectedAt';

const aStatement: StatementView = {
  statementId: STATEMENT_ID,
  dfspId: 'bank-a',
  format: 'mt940',
  statementRef: 'STMT-2026-11-28',
  accountId: '100200300',
  currency: 'KES',
  from: '2026-11-28',
  to: '2026-11-28',
  importedAt: '2026-11-29T06:00:00.000Z',
  importedBy: 'user:oscar',
  lines: {
    total: 4,
    matched: 1,
    mismatched: 1,
    paidButFailed: 0,
    paidTwice: 0,
    returned: 0,
    unknown: 1,
    otherDfsp: 0,
    notAPayment: 1,
  },
  missingFromStatement: 0,
  balance: { check: 'break', opening: '1000.00', closing: '-25.00', computedClosing: '975.00' },
};

/** Discrepancy `n` of the statement: a mismatched line unless overridden. */
function aDiscrepancy(n: number, overrides: Partial<DiscrepancyView> = {}): DiscrepancyView {
  return {
    discrepancyId: `${STATEMENT_ID}:L${String(n).padStart(7, '0')}`,
    kind: 'mismatched',
    severity: 'warning',
    statementId: STATEMENT_ID,
    dfspId: 'bank-a',
    batchId: BATCH_ID,
    paymentId: '01JB4Z6Q0X8Y7W3V2T1S0R9P8M',
    reference: '01JB4Z6Q0X8Y7W3V2T1S0R9P8M',
    lineNumber: n,
    statement: { amount: '101.50', currency: 'KES' },
    ledger: { amount: '100.00', currency: 'KES', status: 'succeeded' },
    detectedAt: '2026-11-29T06:00:01.000Z',
    ...overrides,
  };
}

/** Queries whose discrepancy list holds `total` made-up rows, counting the pages read. */
function manyDiscrepancies(total: number): { queries: ReadModelQueries; pagesRead: () => number } {
  let pages = 0;
  const queries: ReadModelQueries = {
    ...fixedQueries(),
    async listDiscrepancies(filter) {
      pages += 1;
      const start = filter.cursor === undefined ? 0 : Number(filter.cursor);
      const end = Math.min(total, start + (filter.limit ?? 100));
      const items = Array.from({ length: end - start }, (_, i) => aDiscrepancy(start + i + 1));
      return { items, nextCursor: end < total ? String(end) : null };
    },
  };
  return { queries, pagesRead: () => pages };
}

/** The records of a CSV answer, split on CRLF (the fields here hold none). */
const records = (text: string) => text.split('\r\n');

describe('reconciliation routes', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  const app = (queries: ReadModelQueries = fixedQueries({ statements: [aStatement] })) =>
    testApp({ events, queries });

  describe('GET /v1/reconciliation/statements/{statementId}', () => {
    const path = `/v1/reconciliation/statements/${STATEMENT_ID}`;

    it('answers the statement to reporters, operators and auditors', async () => {
      for (const token of [TOKENS.reporter, TOKENS.operator, TOKENS.auditor]) {
        const response = await app().request(path, { headers: as(token) });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual(aStatement);
      }
    });

    it('refuses other roles and anonymous callers', async () => {
      for (const token of [TOKENS.admin, TOKENS.approver]) {
        expect((await app().request(path, { headers: as(token) })).status).toBe(403);
      }
      expect((await app().request(path)).status).toBe(401);
    });

    it('answers 404 for a statement it does not hold', async () => {
      const response = await app().request(
        '/v1/reconciliation/statements/0000000000000000000000000Z',
        {
          headers: as(TOKENS.reporter),
        },
      );
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({
        type: 'https://g2p-ledger.dev/problems/statement_not_found',
        status: 404,
      });
    });

    it('refuses a malformed statement id, naming it', async () => {
      const response = await app().request('/v1/reconciliation/statements/not-an-id', {
        headers: as(TOKENS.reporter),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { path: string }[] };
      expect(body.errors.map((error) => error.path)).toEqual(['statementId']);
    });
  });

  describe('GET /v1/reconciliation/discrepancies', () => {
    const discrepancies = [
      aDiscrepancy(2),
      aDiscrepancy(5, { kind: 'paid_but_failed', severity: 'critical' }),
      aDiscrepancy(7, {
        kind: 'unknown_line',
        batchId: null,
        paymentId: null,
        reference: 'INV-2026-0042',
        ledger: null,
      }),
      aDiscrepancy(9, { dfspId: 'bank-c', kind: 'other_dfsp' }),
    ];
    const listing = () => fixedQueries({ discrepancies });

    it('answers a page of items with the next cursor, filtered', async () => {
      const queries = listing();
      const response = await app(queries).request(
        `/v1/reconciliation/discrepancies?dfspId=bank-a&batchId=${BATCH_ID}&kind=mismatched&limit=1`,
        { headers: as(TOKENS.operator) },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ items: [discrepancies[0]], nextCursor: null });
      expect(queries.filters).toEqual([
        { dfspId: 'bank-a', batchId: BATCH_ID, kind: 'mismatched', limit: 1 },
      ]);

      const first = await app(queries).request('/v1/reconciliation/discrepancies?limit=3', {
        headers: as(TOKENS.auditor),
      });
      const page = (await first.json()) as { items: DiscrepancyView[]; nextCursor: string };
      expect(page.items).toEqual(discrepancies.slice(0, 3));
      const second = await app(queries).request(
        `/v1/reconciliation/discrepancies?limit=3&cursor=${page.nextCursor}`,
        { headers: as(TOKENS.reporter) },
      );
      expect(await second.json()).toEqual({ items: discrepancies.slice(3), nextCursor: null });
    });

    it('refuses bad query values with a 400 naming each field', async () => {
      const response = await app(listing()).request(
        '/v1/reconciliation/discrepancies?dfspId=Bank%20A&batchId=x&kind=bogus&limit=0&colour=blue',
        { headers: as(TOKENS.reporter) },
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as { type: string; errors: { path: string }[] };
      expect(body.type).toBe('https://g2p-ledger.dev/problems/validation_failed');
      expect(body.errors.map((error) => error.path).sort()).toEqual(
        ['batchId', 'colour', 'dfspId', 'kind', 'limit'].sort(),
      );
    });

    it('refuses a cursor it did not issue', async () => {
      const response = await app(listing()).request(
        '/v1/reconciliation/discrepancies?cursor=nope',
        { headers: as(TOKENS.reporter) },
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        type: 'https://g2p-ledger.dev/problems/invalid_cursor',
        errors: [{ path: 'cursor' }],
      });
    });

    it('refuses roles that do not read reconciliation', async () => {
      for (const token of [TOKENS.admin, TOKENS.approver]) {
        const response = await app(listing()).request('/v1/reconciliation/discrepancies', {
          headers: as(token),
        });
        expect(response.status).toBe(403);
      }
    });

    it('answers every matching discrepancy as RFC 4180 CSV, header first', async () => {
      const tricky = aDiscrepancy(11, {
        kind: 'unknown_line',
        batchId: null,
        paymentId: null,
        reference: 'INV "42", part\r\n2',
        statement: null,
        ledger: null,
      });
      const formula = aDiscrepancy(12, {
        kind: 'unknown_line',
        reference: '=HYPERLINK("http://x.example")',
      });
      const queries = fixedQueries({ discrepancies: [...discrepancies, tricky, formula] });
      const response = await app(queries).request(
        '/v1/reconciliation/discrepancies?dfspId=bank-a&limit=1',
        { headers: as(TOKENS.reporter, { accept: 'text/csv' }) },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
      expect(response.headers.get('content-disposition')).toBe(
        'attachment; filename="discrepancies.csv"',
      );
      const text = await response.text();
      expect(text).toBe(
        [
          CSV_HEADER,
          `${STATEMENT_ID}:L0000002,mismatched,warning,${STATEMENT_ID},bank-a,${BATCH_ID},01JB4Z6Q0X8Y7W3V2T1S0R9P8M,01JB4Z6Q0X8Y7W3V2T1S0R9P8M,2,101.50,KES,100.00,KES,succeeded,2026-11-29T06:00:01.000Z`,
          `${STATEMENT_ID}:L0000005,paid_but_failed,critical,${STATEMENT_ID},bank-a,${BATCH_ID},01JB4Z6Q0X8Y7W3V2T1S0R9P8M,01JB4Z6Q0X8Y7W3V2T1S0R9P8M,5,101.50,KES,100.00,KES,succeeded,2026-11-29T06:00:01.000Z`,
          `${STATEMENT_ID}:L0000007,unknown_line,warning,${STATEMENT_ID},bank-a,,,INV-2026-0042,7,101.50,KES,,,,2026-11-29T06:00:01.000Z`,
          `${STATEMENT_ID}:L0000011,unknown_line,warning,${STATEMENT_ID},bank-a,,,"INV ""42"", part\r\n2",11,,,,,,2026-11-29T06:00:01.000Z`,
          `${STATEMENT_ID}:L0000012,unknown_line,warning,${STATEMENT_ID},bank-a,${BATCH_ID},01JB4Z6Q0X8Y7W3V2T1S0R9P8M,"'=HYPERLINK(""http://x.example"")",12,101.50,KES,100.00,KES,succeeded,2026-11-29T06:00:01.000Z`,
          '',
        ].join('\r\n'),
      );
      // The filter reached every page; the page size was the API's largest, not the caller's.
      expect(queries.filters).toEqual([{ dfspId: 'bank-a', limit: 500 }]);
    });

    it('walks every page for CSV, up to the limit of rows', async () => {
      const { queries, pagesRead } = manyDiscrepancies(1_203);
      const response = await app(queries).request('/v1/reconciliation/discrepancies', {
        headers: as(TOKENS.reporter, { accept: 'text/csv;q=0.9, application/json;q=0.5' }),
      });
      const lines = records(await response.text());
      expect(lines).toHaveLength(1 + 1_203 + 1);
      expect(lines[0]).toBe(CSV_HEADER);
      expect(lines[1_203]).toMatch(/:L0001203,/);
      expect(lines[1_204]).toBe('');
      expect(new Set(lines).size).toBe(lines.length);
      expect(pagesRead()).toBe(3);
    });

    it(`answers exactly ${MAX_CSV_ROWS} rows, and refuses one more rather than truncate`, async () => {
      const atLimit = manyDiscrepancies(MAX_CSV_ROWS);
      const full = await app(atLimit.queries).request('/v1/reconciliation/discrepancies', {
        headers: as(TOKENS.reporter, { accept: 'text/csv' }),
      });
      expect(full.status).toBe(200);
      expect(records(await full.text())).toHaveLength(MAX_CSV_ROWS + 2);

      const overLimit = manyDiscrepancies(MAX_CSV_ROWS + 1);
      const refused = await app(overLimit.queries).request('/v1/reconciliation/discrepancies', {
        headers: as(TOKENS.reporter, { accept: 'text/csv' }),
      });
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toMatchObject({
        type: 'https://g2p-ledger.dev/problems/too_many_rows',
        status: 422,
      });
      expect(overLimit.pagesRead()).toBe(MAX_CSV_ROWS / 500 + 1);
    });

    it('answers JSON unless CSV is preferred', async () => {
      for (const accept of [
        'application/json',
        '*/*',
        'application/json, text/csv;q=0.5',
        'text/csv;q=0',
      ]) {
        const response = await app(listing()).request('/v1/reconciliation/discrepancies', {
          headers: as(TOKENS.reporter, { accept }),
        });
        expect(response.headers.get('content-type'), accept).toMatch(/^application\/json/);
        expect(response.headers.get('vary'), accept).toBe('Accept');
      }
      const csv = await app(listing()).request('/v1/reconciliation/discrepancies', {
        headers: as(TOKENS.reporter, { accept: 'text/csv, */*' }),
      });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    });

    it('documents both answers in the OpenAPI document', async () => {
      const response = await app().request('/openapi.json');
      const document = (await response.json()) as {
        paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
      };
      const list = document.paths['/v1/reconciliation/discrepancies']?.get;
      expect(Object.keys(list?.responses['200']?.content ?? {}).sort()).toEqual([
        'application/json',
        'text/csv',
      ]);
      expect(list?.responses['422']).toBeDefined();
    });
  });
});
