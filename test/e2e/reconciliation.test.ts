import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCallback } from '../../src/adapters/dfsp/callbackSignature.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  FAST_DISPATCH,
  type LoadedBatch,
  loadAndApproveBatch,
  registerProgramme,
  secretOf,
  waitUntilCompleted,
  waitUntilFinal,
} from './disbursement.js';
import {
  call,
  eventually,
  expectCall,
  feedHead,
  startSuiteService,
  type TestService,
  TOKENS,
} from './support.js';

/**
 * Reconciliation after a real run: each simulator's statement, in each of the three formats,
 * imported over HTTP and matched line by line; each injected fault reported as its discrepancy;
 * hostile files refused with a 4xx and nothing recorded.
 */

const FORMATS = ['csv', 'mt940', 'camt053'] as const;
type Format = (typeof FORMATS)[number];
const MEDIA_TYPES: Record<Format, string> = {
  csv: 'text/csv',
  mt940: 'application/x-mt940',
  camt053: 'application/xml',
};

interface StatementView {
  statementId: string;
  lines: Record<string, number>;
  missingFromStatement: number;
  balance: { check: string };
}

interface Discrepancy {
  kind: string;
  severity: string;
  paymentId: string | null;
  reference: string | null;
}

describe('reconciling DFSP statements after a run', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let simulators: Record<DfspId, RunningSimulator>;
  let batch: LoadedBatch;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService(FAST_DISPATCH));
    const started = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        startSimulator({
          dfspId,
          callbackUrl: callbackUrlOf(service, dfspId),
          secret: secretOf(dfspId),
          seed: 31 + index,
          rejectRate: 0.05,
        }),
      ),
    );
    simulators = Object.fromEntries(DFSP_IDS.map((id, n) => [id, started[n]])) as Record<
      DfspId,
      RunningSimulator
    >;
    const urls = Object.fromEntries(DFSP_IDS.map((id) => [id, simulators[id].url])) as Record<
      DfspId,
      string
    >;
    await registerProgramme(service, urls, 100);
    // 600 payments: the first 400 are under 500.00 (bank-b, mobile-x), the rest large (bank-a).
    batch = await loadAndApproveBatch(service, 600, 'recon');
    await waitUntilFinal(service, batch, 60_000);
    // Nothing else appends while the tests compare feed heads.
    await waitUntilCompleted(service, batch);
    const previous = cleanup;
    cleanup = async () => {
      await previous();
      await Promise.all(started.map((simulator) => simulator.close()));
    };
  }, 120_000);

  afterAll(async () => {
    await cleanup();
  });

  /** The simulator's statement in a format, with what it injected. */
  async function statementOf(dfspId: DfspId, format: Format, inject = '') {
    const query = `format=${format}${inject ? `&inject=${inject}` : ''}`;
    const response = await fetch(`${simulators[dfspId].url}/statements?${query}`);
    expect(response.status, await response.clone().text()).toBe(200);
    return {
      body: await response.text(),
      injected: JSON.parse(response.headers.get('x-injected') ?? '{}') as Record<string, string>,
    };
  }

  async function importAs(dfspId: string, format: Format, body: string) {
    return call(service, 'operator', 'POST', `/v1/dfsps/${dfspId}/statements`, body, {
      'content-type': MEDIA_TYPES[format],
    });
  }

  async function reconciled(statementId: string): Promise<StatementView> {
    let view: StatementView | undefined;
    await eventually(async () => {
      const answer = await call(
        service,
        'reporter',
        'GET',
        `/v1/reconciliation/statements/${statementId}`,
      );
      view = answer.body as StatementView;
      return answer.status === 200;
    }, `statement ${statementId} projected`);
    return view as StatementView;
  }

  async function discrepanciesOf(statementId: string): Promise<Discrepancy[]> {
    const page = await expectCall<{ items: (Discrepancy & { statementId: string })[] }>(
      service,
      'reporter',
      'GET',
      '/v1/reconciliation/discrepancies?limit=500',
      200,
    );
    return page.items.filter((item) => item.statementId === statementId);
  }

  for (const format of FORMATS) {
    it(`matches every line of a clean ${format} statement`, async () => {
      const { body } = await statementOf('bank-b', format);
      const imported = await importAs('bank-b', format, body);
      expect(imported.status, JSON.stringify(imported.body)).toBe(201);
      const { statementId } = imported.body as { statementId: string };
      const view = await reconciled(statementId);
      expect(view.lines.total).toBeGreaterThan(0);
      expect(view.lines.matched).toBe(view.lines.total);
      expect(view.missingFromStatement).toBe(0);
      expect(view.balance.check).toBe(format === 'csv' ? 'not_available' : 'balanced');
      expect(await discrepanciesOf(statementId)).toEqual([]);
    });

    it(`reports each fault injected in a ${format} statement as its discrepancy`, async () => {
      const { body, injected } = await statementOf(
        'mobile-x',
        format,
        'wrong-amount,reversal,unknown-line,omission',
      );
      const imported = await importAs('mobile-x', format, body);
      expect(imported.status, JSON.stringify(imported.body)).toBe(201);
      const { statementId } = imported.body as { statementId: string };
      await reconciled(statementId);
      let found: Discrepancy[] = [];
      await eventually(async () => {
        found = await discrepanciesOf(statementId);
        return found.length >= 4;
      }, 'the discrepancies projected');
      const kindOf = (reference: string | undefined) =>
        found.filter((d) => (d.paymentId ?? d.reference) === reference).map((d) => d.kind);
      expect(kindOf(injected['wrong-amount'])).toEqual(['mismatched']);
      expect(kindOf(injected.reversal)).toEqual(['returned']);
      expect(kindOf(injected['unknown-line'])).toEqual(['unknown_line']);
      expect(kindOf(injected.omission)).toEqual(['missing_from_statement']);
      const reversed = await expectCall<{ status: string }>(
        service,
        'reporter',
        'GET',
        `/v1/payments/${injected.reversal}`,
        200,
      );
      expect(reversed.status).toBe('returned');
    });
  }

  it(
    'flags a payment the ledger holds failed but ' +
      'the statement pays as critical paid_but_failed',
    async () => {
      const failedPage = await expectCall<{
        items: { paymentId: string; dfspId: string; amount: string }[];
      }>(
        service,
        'reporter',
        'GET',
        `/v1/payments?batchId=${batch.batchId}&status=failed&limit=1`,
        200,
      );
      const failed = failedPage.items[0];
      if (failed === undefined) throw new Error('the 5 % rejections left no failed payment');
      const header = 'reference_id,amount,currency,type\n';
      const csv = `${header}${failed.paymentId},${failed.amount},KES,debit\n`;
      const imported = await importAs(failed.dfspId, 'csv', csv);
      const { statementId } = imported.body as { statementId: string };
      expect((await reconciled(statementId)).lines.paidButFailed).toBe(1);
      await eventually(
        async () =>
          (await discrepanciesOf(statementId)).some(
            (d) =>
              d.kind === 'paid_but_failed' &&
              d.severity === 'critical' &&
              d.paymentId === failed.paymentId,
          ),
        'paid_but_failed listed',
      );
    },
  );

  // After the statements above: clean ones matched payments, injected ones mismatched one.
  it('counts reconciled payments and amounts in the batch summary', async () => {
    const summary = await expectCall<{
      reconciliation: Record<'matched' | 'mismatched' | 'unreconciled', { count: number }>;
    }>(service, 'reporter', 'GET', `/v1/batches/${batch.batchId}`, 200);
    const { matched, mismatched, unreconciled } = summary.reconciliation;
    expect(matched.count).toBeGreaterThan(0);
    expect(mismatched.count).toBeGreaterThan(0);
    expect(matched.count + mismatched.count + unreconciled.count).toBe(batch.count);
  });

  it(
    'answers the same statement id for the same ' + 'content and records nothing the second time',
    async () => {
      const { body } = await statementOf('bank-a', 'mt940');
      const first = await importAs('bank-a', 'mt940', body);
      expect(first.status).toBe(201);
      await reconciled((first.body as { statementId: string }).statementId);
      const head = await feedHead(service);
      const second = await importAs('bank-a', 'mt940', body);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(await feedHead(service)).toBe(head);
    },
  );

  it(
    'takes a statement signed by the DFSP, ' + 'and refuses a bad signature with nothing recorded',
    async () => {
      const { body } = await statementOf('bank-a', 'camt053');
      const path = '/v1/dfsps/bank-a/statements';
      const now = Math.floor(Date.now() / 1000);
      const head = await feedHead(service);
      const forged = await call(service, undefined, 'POST', path, body, {
        'content-type': 'application/xml',
        'x-signature': signCallback('not-the-secret-of-bank-a', body, now),
      });
      expect(forged.status).toBe(401);
      const unsigned = await call(service, undefined, 'POST', path, body, {
        'content-type': 'application/xml',
      });
      expect(unsigned.status).toBe(401);
      expect(await feedHead(service)).toBe(head);
      const signed = await call(service, undefined, 'POST', path, body, {
        'content-type': 'application/xml',
        'x-signature': signCallback(secretOf('bank-a'), body, now),
      });
      expect(signed.status, JSON.stringify(signed.body)).toBe(201);
      const headAfter = await feedHead(service);
      const replayed = await call(service, undefined, 'POST', path, body, {
        'content-type': 'application/xml',
        'x-signature': signCallback(secretOf('bank-a'), body, now),
      });
      expect(replayed.status).toBe(401);
      expect(await feedHead(service)).toBe(headAfter);
      const refused = await call(service, 'reporter', 'POST', path, body, {
        'content-type': 'application/xml',
      });
      expect(refused.status).toBe(403);
    },
  );

  it('reports a balance break as a critical discrepancy', async () => {
    const { body } = await statementOf('bank-b', 'camt053', 'balance-break');
    const imported = await importAs('bank-b', 'camt053', body);
    const { statementId } = imported.body as { statementId: string };
    expect((await reconciled(statementId)).balance.check).toBe('break');
    await eventually(
      async () =>
        (await discrepanciesOf(statementId)).some(
          (d) => d.kind === 'balance_break' && d.severity === 'critical',
        ),
      'the balance break listed',
    );
  });

  it("records another DFSP's payments on a statement as exceptions, never as matches", async () => {
    const { body } = await statementOf('bank-a', 'csv');
    const imported = await importAs('bank-b', 'csv', body);
    expect(imported.status).toBe(201);
    const view = await reconciled((imported.body as { statementId: string }).statementId);
    expect(view.lines.matched).toBe(0);
    expect(view.lines.otherDfsp).toBe(view.lines.total);
  });

  it('refuses a statement of more lines than the limit with 413, and records nothing', async () => {
    const head = await feedHead(service);
    const rows = Array.from({ length: 200_001 }, (_, n) => `R${n},1.00,KES`).join('\n');
    const answer = await call(
      service,
      'operator',
      'POST',
      '/v1/dfsps/bank-b/statements',
      `reference_id,amount,currency\n${rows}\n`,
      { 'content-type': 'text/csv' },
    );
    expect(answer.status).toBe(413);
    expect(await feedHead(service)).toBe(head);
  });

  it('refuses hostile files with a 4xx and records nothing', async () => {
    const head = await feedHead(service);
    const { body: xml } = await statementOf('bank-b', 'camt053');
    const lol2 = `<!ENTITY lol2 "${'&lol;'.repeat(10)}">`;
    const lol3 = `<!ENTITY lol3 "${'&lol2;'.repeat(10)}">`;
    const bomb =
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${lol2}${lol3}]>` +
      '<Document>&lol3;</Document>';
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, n) => (n * 7919) % 256));
    const cases: [string, string | Uint8Array, string][] = [
      ['truncated XML', xml.slice(0, Math.floor(xml.length / 2)), 'application/xml'],
      ['an entity bomb', bomb, 'application/xml'],
      ['binary garbage', garbage, 'application/octet-stream'],
      ['JSON', '{"not":"a statement"}', 'application/json'],
    ];
    for (const [what, body, contentType] of cases) {
      const response = await fetch(`${service.baseUrl}/v1/dfsps/bank-b/statements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': contentType },
        body,
      });
      expect(response.status, what).toBeGreaterThanOrEqual(400);
      expect(response.status, what).toBeLessThan(500);
    }
    expect(await feedHead(service)).toBe(head);
  });

  it('stops reading a 100 MB body at the limit and keeps memory bounded', async () => {
    const head = await feedHead(service);
    // 1 MiB of well-formed CSV rows (no reference, so nothing matches), the header first: the
    // reader parses as the bytes arrive and must stop at its byte limit, not at a bad line.
    const rows = Buffer.from(`,1.00,KES,${'x'.repeat(989)}\n`.repeat(1_024));
    const header = Buffer.from('reference_id,amount,currency,narrative\n');
    const rssBefore = process.memoryUsage().rss;
    const { status, sentMiB } = await postStreaming(
      `${service.baseUrl}/v1/dfsps/bank-b/statements`,
      { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/csv' },
      (index) => (index === 0 ? Buffer.concat([header, rows]) : rows),
      100,
    );
    // 413, or (the server stops reading and closes) the connection reset under the client.
    expect([413, 'closed']).toContain(status);
    expect(sentMiB).toBeLessThan(100);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(await feedHead(service)).toBe(head);
  });

  it('refuses 20 concurrent 49 MiB statements with a forged signature, parsing none', async () => {
    const head = await feedHead(service);
    const chunk = Buffer.from(`${'0'.repeat(1_000)}\n`.repeat(1_024)); // 1 MiB of one-line rows
    const now = Math.floor(Date.now() / 1000);
    // A well-formed, fresh signature under the wrong secret: only the whole body can tell.
    const forged = signCallback('not-the-secret-of-bank-a', 'another body', now);
    const rssBefore = process.memoryUsage().rss;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        postStreaming(
          `${service.baseUrl}/v1/dfsps/bank-a/statements`,
          { 'content-type': 'text/csv', 'x-signature': forged },
          chunk,
          49,
        ),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    // Four are read to the end (to disk) and refused on their signature; the rest are turned
    // away while those four are read (503), or see their connection closed once answered.
    expect(statuses.filter((status) => status === 401).length).toBeGreaterThan(0);
    for (const status of statuses) expect([401, 503, 'closed']).toContain(status);
    // Client and service together (one process): -374 to +27 MB in runs here. Before, Hono's body
    // limit held each chunked body whole (706 MB seen), then unread bodies queued (276 MB).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(await feedHead(service)).toBe(head);
  }, 120_000);
});

/**
 * POSTs `times` copies of `chunk` as one streamed body, stopping when the server answers (it may
 * answer and close before the body is all sent); answers the status and how much was sent.
 */
function postStreaming(
  url: string,
  headers: Record<string, string>,
  chunk: Buffer | ((index: number) => Buffer),
  times: number,
): Promise<{ status: number | 'closed'; sentMiB: number }> {
  const chunkAt = typeof chunk === 'function' ? chunk : () => chunk;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      answered = true;
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, sentMiB: sent }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        resolve({ status: 'closed', sentMiB: sent });
      } else {
        reject(error);
      }
    });
    const writeMore = () => {
      while (!answered && sent < times) {
        sent += 1;
        if (!request.write(chunkAt(sent - 1))) return void request.once('drain', writeMore);
      }
      if (!answered) request.end();
    };
    writeMore();
  });
}
