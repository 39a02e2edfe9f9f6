import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, expectCall, type Role, startSuiteService, type TestService } from './support.js';

/**
 * Invariant 8: bad input gets a 4xx problem naming the problem, and appends nothing. Runs on
 * Postgres when DATABASE_URL is set, on embedded PGlite otherwise.
 */

interface Case {
  readonly name: string;
  readonly role?: Role;
  readonly method: string;
  readonly path: string | ((ids: Ids) => string);
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly status: number;
  /** A field the problem must name (in `errors[].path` or the detail). */
  readonly names?: string;
}

interface Ids {
  openBatch: string;
  fullBatch: string;
  submittedBatch: string;
  bothRolesBatch: string;
}

const ULID_UNKNOWN = '01JZZZZZZZZZZZZZZZZZZZZZZZ';

const batch = (extra: Record<string, unknown> = {}) => ({
  programId: 'CT-OVC',
  cycleId: '2026-11',
  currency: 'KES',
  declaredCount: 2,
  declaredTotal: '300.00',
  ...extra,
});

const payment = (extra: Record<string, unknown> = {}) => ({
  reference: 'r-1',
  beneficiaryId: 'b-1',
  payeeFa: 'account:0012345678@bank-a',
  amount: '100.00',
  ...extra,
});

const dfsp = (extra: Record<string, unknown> = {}) => ({
  name: 'Bank A',
  connector: 'g2p-connect',
  baseUrl: 'http://127.0.0.1:4001',
  payerFa: 'account:100200300@bank-a',
  currencies: ['KES'],
  faTypes: ['account'],
  callbackSecret: 'a-long-enough-secret',
  ...extra,
});

const rules = (rule: Record<string, unknown>) => ({
  rules: [{ id: 'r1', when: {}, route: [{ dfspId: 'bank-a', weight: 1 }], ...rule }],
});

const cases: Case[] = [
  // Authentication and roles
  { name: 'no token', method: 'POST', path: '/v1/batches', body: batch(), status: 401 },
  {
    name: 'an unknown token',
    method: 'GET',
    path: '/v1/batches',
    headers: { authorization: 'Bearer nope' },
    status: 401,
  },
  {
    name: 'a malformed authorization header',
    method: 'GET',
    path: '/v1/batches',
    headers: { authorization: 'Basic abc' },
    status: 401,
  },
  {
    name: 'a reporter opening a batch',
    role: 'reporter',
    method: 'POST',
    path: '/v1/batches',
    body: batch(),
    status: 403,
  },
  {
    name: 'an operator approving',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.submittedBatch}/approve`,
    status: 403,
  },
  {
    name: 'an operator reading the event feed',
    role: 'operator',
    method: 'GET',
    path: '/v1/events',
    status: 403,
  },
  {
    name: 'an operator registering a DFSP',
    role: 'operator',
    method: 'PUT',
    path: '/v1/dfsps/bank-z',
    body: dfsp(),
    status: 403,
  },
  // Opening a batch
  {
    name: 'a body that is not JSON',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: '{"programId":',
    status: 400,
  },
  {
    name: 'a missing programId',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ programId: undefined }),
    status: 400,
    names: 'programId',
  },
  {
    name: 'a count as a string',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredCount: '2' }),
    status: 400,
    names: 'declaredCount',
  },
  {
    name: 'a zero count',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredCount: 0 }),
    status: 400,
    names: 'declaredCount',
  },
  {
    name: 'a total as a JSON number',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredTotal: 300 }),
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'a total with three decimals in KES',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredTotal: '300.005' }),
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'a total in exponent notation',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredTotal: '3e2' }),
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'a total with decimals in JPY',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ currency: 'JPY', declaredTotal: '300.5' }),
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'a negative total',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ declaredTotal: '-300.00' }),
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'an unknown currency',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ currency: 'XQQ' }),
    status: 400,
    names: 'currency',
  },
  {
    name: 'a lower-case currency',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ currency: 'kes' }),
    status: 400,
    names: 'currency',
  },
  {
    name: 'an unknown field',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ colour: 'red' }),
    status: 400,
  },
  {
    name: 'a batchId that is not a ULID',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ batchId: 'batch-1' }),
    status: 400,
    names: 'batchId',
  },
  {
    name: 'an oversize body',
    role: 'operator',
    method: 'POST',
    path: '/v1/batches',
    body: batch({ description: 'x'.repeat(3 * 1024 * 1024) }),
    status: 413,
  },
  // Adding payments
  {
    name: 'payments for an unknown batch',
    role: 'operator',
    method: 'POST',
    path: `/v1/batches/${ULID_UNKNOWN}/payments`,
    body: [payment()],
    status: 404,
  },
  {
    name: 'a chunk of 1,001 payments',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: Array.from({ length: 1_001 }, (_, n) => payment({ reference: `r-${n}` })),
    status: 400,
  },
  {
    name: 'an empty chunk',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [],
    status: 400,
  },
  {
    name: 'an amount as a JSON number',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ amount: 100 })],
    status: 400,
    names: 'amount',
  },
  {
    name: 'a zero amount',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ amount: '0.00' })],
    status: 400,
    names: 'amount',
  },
  {
    name: 'an amount with a sign',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ amount: '+1.00' })],
    status: 400,
    names: 'amount',
  },
  {
    name: 'an amount over 13 integer digits',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ amount: '12345678901234.00' })],
    status: 400,
    names: 'amount',
  },
  {
    name: 'a financial address without provider',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ payeeFa: 'account:12345' })],
    status: 400,
    names: 'payeeFa',
  },
  {
    name: 'a financial address with spaces',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ payeeFa: 'account:12 345@bank-a' })],
    status: 400,
    names: 'payeeFa',
  },
  {
    name: 'a payment without reference',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment({ reference: undefined })],
    status: 400,
    names: 'reference',
  },
  {
    name: 'a reference twice in one chunk',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/payments`,
    body: [payment(), payment()],
    status: 400,
    names: 'reference',
  },
  {
    name: 'a reference re-sent with other data',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.fullBatch}/payments`,
    body: [payment({ amount: '100.01' })],
    status: 409,
    names: 'reference',
  },
  {
    name: 'more payments than declared',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.fullBatch}/payments`,
    body: [payment({ reference: 'r-3' })],
    status: 422,
  },
  // Submitting and approving
  {
    name: 'a submit with mismatched totals',
    role: 'operator',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/submit`,
    status: 422,
  },
  {
    name: 'an approval by the submitter',
    role: 'operatorApprover',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.bothRolesBatch}/approve`,
    status: 403,
  },
  {
    name: 'an approval of an unknown batch',
    role: 'approver',
    method: 'POST',
    path: `/v1/batches/${ULID_UNKNOWN}/approve`,
    status: 404,
  },
  {
    name: 'an approval of a batch not submitted',
    role: 'approver',
    method: 'POST',
    path: (ids) => `/v1/batches/${ids.openBatch}/approve`,
    status: 409,
  },
  {
    name: 'an unknown batch id in the path',
    role: 'reporter',
    method: 'GET',
    path: `/v1/batches/${ULID_UNKNOWN}`,
    status: 404,
  },
  // DFSPs and routing rules
  {
    name: 'a DFSP with a base URL that is not http',
    role: 'admin',
    method: 'PUT',
    path: '/v1/dfsps/bank-z',
    body: dfsp({ baseUrl: 'ftp://bank' }),
    status: 400,
    names: 'baseUrl',
  },
  {
    name: 'a DFSP with an unknown currency',
    role: 'admin',
    method: 'PUT',
    path: '/v1/dfsps/bank-z',
    body: dfsp({ currencies: ['XQQ'] }),
    status: 400,
    names: 'currencies',
  },
  {
    name: 'a DFSP without callback secret',
    role: 'admin',
    method: 'PUT',
    path: '/v1/dfsps/bank-z',
    body: dfsp({ callbackSecret: undefined }),
    status: 400,
    names: 'callbackSecret',
  },
  {
    name: 'a DFSP id with spaces',
    role: 'admin',
    method: 'PUT',
    path: '/v1/dfsps/Bank%20Z',
    body: dfsp(),
    status: 400,
    names: 'dfspId',
  },
  {
    name: 'a DFSP maximum too precise',
    role: 'admin',
    method: 'PUT',
    path: '/v1/dfsps/bank-z',
    body: dfsp({ maxAmount: '50000.005' }),
    status: 400,
    names: 'maxAmount',
  },
  {
    name: 'rules naming an unknown DFSP',
    role: 'admin',
    method: 'PUT',
    path: '/v1/routing-rules',
    body: rules({ route: [{ dfspId: 'bank-nowhere', weight: 1 }] }),
    status: 400,
    names: 'dfspId',
  },
  {
    name: 'rules with a zero weight',
    role: 'admin',
    method: 'PUT',
    path: '/v1/routing-rules',
    body: rules({ route: [{ dfspId: 'bank-a', weight: 0 }] }),
    status: 400,
    names: 'weight',
  },
  {
    name: 'rules with an amount but no currency',
    role: 'admin',
    method: 'PUT',
    path: '/v1/routing-rules',
    body: rules({ when: { minAmount: '10.00' } }),
    status: 400,
    names: 'minAmount',
  },
  {
    name: 'rules with an empty route',
    role: 'admin',
    method: 'PUT',
    path: '/v1/routing-rules',
    body: rules({ route: [] }),
    status: 400,
    names: 'route',
  },
  // Queries
  {
    name: 'a page size of zero',
    role: 'reporter',
    method: 'GET',
    path: '/v1/payments?limit=0',
    status: 400,
    names: 'limit',
  },
  {
    name: 'a forged cursor',
    role: 'reporter',
    method: 'GET',
    path: '/v1/payments?cursor=not-a-cursor',
    status: 400,
    names: 'cursor',
  },
  {
    name: 'an unknown payment status',
    role: 'reporter',
    method: 'GET',
    path: '/v1/payments?status=flying',
    status: 400,
    names: 'status',
  },
  {
    name: 'an unknown payment',
    role: 'reporter',
    method: 'GET',
    path: `/v1/payments/${ULID_UNKNOWN}`,
    status: 404,
  },
  {
    name: 'an asOf that is not an instant',
    role: 'reporter',
    method: 'GET',
    path: `/v1/payments/${ULID_UNKNOWN}?asOf=yesterday`,
    status: 400,
    names: 'asOf',
  },
  {
    name: 'a feed position that is not a number',
    role: 'auditor',
    method: 'GET',
    path: '/v1/events?after=abc',
    status: 400,
    names: 'after',
  },
  {
    name: 'amending a batch to fewer payments than it holds',
    role: 'operator',
    method: 'PATCH',
    path: (ids) => `/v1/batches/${ids.fullBatch}`,
    body: { declaredCount: 1, declaredTotal: '300.00' },
    status: 409,
    names: 'declaredCount',
  },
  {
    name: 'amending a submitted batch',
    role: 'operator',
    method: 'PATCH',
    path: (ids) => `/v1/batches/${ids.submittedBatch}`,
    body: { declaredCount: 3, declaredTotal: '400.00' },
    status: 409,
  },
  {
    name: 'amending a batch with a total of three decimals',
    role: 'operator',
    method: 'PATCH',
    path: (ids) => `/v1/batches/${ids.openBatch}`,
    body: { declaredCount: 2, declaredTotal: '300.005' },
    status: 400,
    names: 'declaredTotal',
  },
  {
    name: 'amending a batch with a field it cannot change',
    role: 'operator',
    method: 'PATCH',
    path: (ids) => `/v1/batches/${ids.openBatch}`,
    body: { declaredCount: 2, declaredTotal: '300.00', currency: 'USD' },
    status: 400,
  },
  {
    name: 'cancelling an unknown payment',
    role: 'operator',
    method: 'POST',
    path: `/v1/payments/${ULID_UNKNOWN}/cancel`,
    status: 404,
  },
];

describe('bad input', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  const ids = {} as Ids;

  beforeAll(async () => {
    // Bad input must leave the feed as it was: nothing may be sending in the background.
    ({ service, cleanup } = await startSuiteService({ DISPATCH_PAUSED: 'true' }));
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-a', 201, dfsp());
    const open = async (role: Role = 'operator') =>
      (await expectCall<{ batchId: string }>(service, role, 'POST', '/v1/batches', 201, batch()))
        .batchId;
    ids.openBatch = await open();
    ids.fullBatch = await open();
    const both = [payment(), payment({ reference: 'r-2', amount: '200.00' })];
    await expectCall(
      service,
      'operator',
      'POST',
      `/v1/batches/${ids.fullBatch}/payments`,
      200,
      both,
    );
    ids.submittedBatch = await open();
    await expectCall(
      service,
      'operator',
      'POST',
      `/v1/batches/${ids.submittedBatch}/payments`,
      200,
      both,
    );
    await expectCall(service, 'operator', 'POST', `/v1/batches/${ids.submittedBatch}/submit`, 204);
    ids.bothRolesBatch = await open('operatorApprover');
    await expectCall(
      service,
      'operatorApprover',
      'POST',
      `/v1/batches/${ids.bothRolesBatch}/payments`,
      200,
      both,
    );
    await expectCall(
      service,
      'operatorApprover',
      'POST',
      `/v1/batches/${ids.bothRolesBatch}/submit`,
      204,
    );
  });
  afterAll(async () => cleanup?.());

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('answers $status to $name and appends nothing', async (testCase) => {
    const before = await service.stores.events.headPosition();
    const target = typeof testCase.path === 'function' ? testCase.path(ids) : testCase.path;
    const result = await call(
      service,
      testCase.role,
      testCase.method,
      target,
      testCase.body,
      testCase.headers,
    );
    expect(result.status, JSON.stringify(result.body)).toBe(testCase.status);
    expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = result.body as {
      type?: string;
      title?: string;
      status?: number;
      detail?: string;
      errors?: { path: string }[];
    };
    expect(problem).toMatchObject({ status: testCase.status });
    expect(typeof problem.type).toBe('string');
    expect(typeof problem.title).toBe('string');
    if (testCase.names !== undefined) {
      const named = JSON.stringify([problem.errors ?? [], problem.detail ?? '']);
      expect(named, JSON.stringify(problem)).toContain(testCase.names);
    }
    expect(await service.stores.events.headPosition()).toBe(before);
  });
});
