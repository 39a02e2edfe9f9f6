import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  eventually,
  expectCall,
  feedHead,
  startSuiteService,
  type TestService,
} from './support.js';

/**
 * Statement files as banks send them, through POST /v1/dfsps/{dfspId}/statements on the whole
 * service: a file of several statements becomes several statements, each with its own id and
 * view; the same file again records nothing.
 */

const CORPUS = path.join(import.meta.dirname, '../fixtures/statements/corpus');

interface Imported {
  statementId: string;
  statements: { statementId: string; statementRef: string | null; lineCount: number }[];
}

describe('importing a file of several statements', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ service, cleanup } = await startSuiteService());
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-a', 201, {
      name: 'Bank A',
      connector: 'g2p-connect',
      baseUrl: 'http://127.0.0.1:9/g2p',
      payerFa: 'account:9000000001@bank-a',
      currencies: ['KES'],
      faTypes: ['account'],
      callbackSecret: 'bank-a-callback-secret-0000000000',
    });
  }, 60_000);

  afterAll(async () => {
    await cleanup();
  });

  const postFile = (body: string) =>
    call(service, 'operator', 'POST', '/v1/dfsps/bank-a/statements', body, {
      'content-type': 'text/plain',
    });

  it('records a two-day MT940 file as two statements with two ids, and again as nothing', async () => {
    const file = readFileSync(path.join(CORPUS, 'equity-ke-mt940-kes-two-days.sta'), 'utf8');

    const first = await postFile(file);

    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const imported = first.body as Imported;
    expect(
      imported.statements.map(({ statementRef, lineCount }) => [statementRef, lineCount]),
    ).toEqual([
      ['EQBL261128', 3],
      ['EQBL261129', 2],
    ]);
    const [day1, day2] = imported.statements.map(({ statementId }) => statementId);
    expect(day1).not.toBe(day2);
    expect(imported.statementId).toBe(day1);
    expect(first.headers.get('location')).toBe(`/v1/reconciliation/statements/${day1}`);
    for (const [statementId, total] of [
      [day1, 3],
      [day2, 2],
    ] as const) {
      await eventually(async () => {
        const view = await call(
          service,
          'reporter',
          'GET',
          `/v1/reconciliation/statements/${statementId}`,
        );
        return (
          view.status === 200 && (view.body as { lines: { total: number } }).lines.total === total
        );
      }, `statement ${statementId} projected`);
    }

    const head = await feedHead(service);
    const again = await postFile(file);

    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await feedHead(service)).toBe(head);
  });

  it('shows what the reader read past in the answer and the statement view', async () => {
    const file = readFileSync(path.join(CORPUS, 'kcb-ke-mt940-kes-odd-amounts.sta'), 'utf8');

    const answer = await postFile(file);

    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const { statementId, statements } = answer.body as Imported & {
      statements: { notices: { kind: string; location: string }[] }[];
    };
    const notice = { kind: 'impossible_date', location: 'line 5, field :61:' };
    expect(statements[0]?.notices).toEqual([expect.objectContaining(notice)]);
    await eventually(async () => {
      const view = await call(
        service,
        'reporter',
        'GET',
        `/v1/reconciliation/statements/${statementId}`,
      );
      const notices = (view.body as { notices?: { kind: string }[] }).notices ?? [];
      return view.status === 200 && notices.some((seen) => seen.kind === 'impossible_date');
    }, 'the notice in the statement view');
  });

  it('refuses a broken file with a 400 naming the line, and records nothing', async () => {
    const head = await feedHead(service);
    const file = readFileSync(path.join(CORPUS, 'broken-mt940-garbage-amount.sta'), 'utf8');

    const answer = await postFile(file);

    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('line 6, field :61:');
    expect(await feedHead(service)).toBe(head);
  });
});
