import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import {
  as,
  capturingLogger,
  pgliteEventStore,
  recordingCommands,
  TOKENS,
  testApp,
} from './support.js';

/** Every route of HTTP API v1 this app serves (DESIGN.md). */
const ROUTES = [
  ['put', '/v1/dfsps/{dfspId}'],
  ['post', '/v1/dfsps/{dfspId}/suspend'],
  ['post', '/v1/dfsps/{dfspId}/resume'],
  ['get', '/v1/dfsps'],
  ['put', '/v1/routing-rules'],
  ['get', '/v1/routing-rules'],
  ['post', '/v1/routing-rules/dry-run'],
  ['post', '/v1/batches'],
  ['post', '/v1/batches/{batchId}/payments'],
  ['post', '/v1/batches/{batchId}/submit'],
  ['patch', '/v1/batches/{batchId}'],
  ['post', '/v1/beneficiaries/{beneficiaryId}/erase'],
  ['post', '/v1/batches/{batchId}/approve'],
  ['post', '/v1/batches/{batchId}/cancel'],
  ['get', '/v1/batches'],
  ['get', '/v1/batches/{batchId}'],
  ['get', '/v1/payments/{paymentId}'],
  ['get', '/v1/payments'],
  ['post', '/v1/payments/{paymentId}/cancel'],
  ['post', '/v1/payments/{paymentId}/retry'],
  ['post', '/v1/payments/{paymentId}/resolve'],
  ['get', '/v1/payments/{paymentId}/events'],
  ['get', '/v1/events'],
  ['post', '/v1/payments/status'],
  ['get', '/v1/dfsps/{dfspId}'],
  ['post', '/v1/dfsps/{dfspId}/preview'],
  ['post', '/v1/dfsps/{dfspId}/test'],
  ['get', '/v1/dfsps/{dfspId}/files'],
  ['post', '/v1/dfsps/{dfspId}/on-disburse'],
  ['post', '/v1/dfsps/{dfspId}/callbacks'],
  ['post', '/v1/dfsps/{dfspId}/callbacks/{token}'],
  ['post', '/v1/dfsps/{dfspId}/statements'],
  ['get', '/v1/reconciliation/statements/{statementId}'],
  ['get', '/v1/reconciliation/discrepancies'],
  ['put', '/v1/webhooks/{subscriptionId}'],
  ['get', '/v1/webhooks/{subscriptionId}'],
  ['get', '/v1/webhooks'],
  ['get', '/v1/webhooks/{subscriptionId}/deliveries'],
  ['post', '/v1/webhooks/{subscriptionId}/replay'],
  ['put', '/v1/programmes/{programId}'],
  ['get', '/v1/programmes/{programId}'],
  ['post', '/g2p-bridge/create_disbursement_envelope'],
  ['post', '/g2p-bridge/amend_disbursement_envelope'],
  ['post', '/g2p-bridge/cancel_disbursement_envelope'],
  ['post', '/g2p-bridge/get_disbursement_envelope_status'],
  ['post', '/g2p-bridge/create_disbursements'],
  ['post', '/g2p-bridge/cancel_disbursements'],
  ['post', '/g2p-bridge/get_disbursement_status'],
  ['post', '/g2p-bridge/upload_mt940'],
  ['get', '/g2p-bridge/ping'],
] as const;

/** How each route is secured: a bearer token unless listed (a DFSP's `X-Signature`, or either). */
const SECURITY: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['post /v1/dfsps/{dfspId}/on-disburse', [{ dfspSignature: [] }]],
  ['post /v1/dfsps/{dfspId}/callbacks', [{ dfspCallbackVerification: [] }]],
  ['post /v1/dfsps/{dfspId}/callbacks/{token}', [{ dfspCallbackVerification: [] }]],
  ['post /v1/dfsps/{dfspId}/statements', [{ bearerAuth: [] }, { dfspSignature: [] }]],
  ['get /g2p-bridge/ping', []],
]);

interface Operation {
  security?: unknown;
  parameters?: { in: string; name: string; required?: boolean }[];
  responses?: Record<string, { description?: string }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

describe('documentation, metrics and logs', () => {
  let db: SqlDatabase;
  let events: EventStore;
  let document: Document;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
    const response = await testApp({ events }).request('/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('serves an OpenAPI 3 document with the bearer security scheme', () => {
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    expect(document.info.title).toBeTruthy();
    expect(document.info.version).toBeTruthy();
    expect(document.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });

  it('lists every route, each secured, with its path parameters and described responses', () => {
    const listed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map(([method, path]) => `${method} ${path}`).sort());
    for (const [method, path] of ROUTES) {
      const operation = document.paths[path]?.[method];
      expect(operation?.security, `${method} ${path}`).toEqual(
        SECURITY.get(`${method} ${path}`) ?? [{ bearerAuth: [] }],
      );
      const declared = (operation?.parameters ?? [])
        .filter((parameter) => parameter.in === 'path' && parameter.required === true)
        .map((parameter) => parameter.name);
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(declared.sort(), `${method} ${path}`).toEqual(templated.sort());
      const responses = Object.entries(operation?.responses ?? {});
      expect(
        responses.some(([status]) => status.startsWith('2')),
        `${method} ${path}`,
      ).toBe(true);
      for (const [, response] of responses) expect(response.description).toBeTruthy();
    }
  });

  it('resolves every $ref of the document', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
      expect(document.components.schemas, ref).toHaveProperty([name]);
    }
  });

  it('documents amounts as strings', () => {
    const schemas = document.components.schemas as Record<
      string,
      { properties?: Record<string, { type?: string }> }
    >;
    expect(schemas.OpenBatch?.properties?.declaredTotal?.type).toBe('string');
    expect(schemas.PaymentInstruction?.properties?.amount?.type).toBe('string');
  });

  it('serves Swagger UI at /docs from its own files, pointing at /openapi.json', async () => {
    const app = testApp({ events });
    const response = await app.request('/docs');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await app.request('/docs/docs.js');
    expect(await script.text()).toContain("url: '/openapi.json'");
    for (const [asset, type] of [
      ['/docs/swagger-ui.css', /^text\/css/],
      ['/docs/swagger-ui-bundle.js', /^text\/javascript/],
    ] as const) {
      const served = await app.request(asset);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toMatch(type);
    }
  });

  it('counts requests by route pattern and status at /metrics', async () => {
    const app = testApp({ events, registry: new Registry() });
    await app.request('/v1/batches/01JB4Z6Q0X8Y7W3V2T1S0R9P8N', { headers: as(TOKENS.reporter) });
    await app.request('/v1/batches/01JB4Z6Q0X8Y7W3V2T1S0R9P8M', { headers: as(TOKENS.reporter) });
    await app.request('/nowhere', { headers: as(TOKENS.reporter) });
    const response = await app.request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain(
      'http_requests_total{method="GET",route="/v1/batches/:batchId",status="404"} 2',
    );
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reuses the metrics when two apps share a registry', async () => {
    const registry = new Registry();
    testApp({ events, registry });
    expect(() => testApp({ events, registry })).not.toThrow();
  });

  it('echoes a valid X-Correlation-Id and passes it to the command', async () => {
    const recording = recordingCommands();
    const response = await testApp({ events, commands: recording.commands }).request(
      '/v1/batches/01JB4Z6Q0X8Y7W3V2T1S0R9P8N/submit',
      {
        method: 'POST',
        headers: as(TOKENS.operator, { 'X-Correlation-Id': 'cycle-2026-11:load' }),
      },
    );
    expect(response.headers.get('x-correlation-id')).toBe('cycle-2026-11:load');
    expect(recording.calls[0]?.context?.correlationId).toBe('cycle-2026-11:load');
  });

  it.each([
    ['missing', undefined],
    ['too long', 'x'.repeat(101)],
    ['with odd characters', 'a b<script>'],
  ])('generates a correlation id when the given one is %s', async (_case, given) => {
    const headers: Record<string, string> =
      given === undefined ? {} : { 'x-correlation-id': given };
    const response = await testApp({ events }).request('/healthz', { headers });
    const id = response.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts a correlation id on problems too', async () => {
    const response = await testApp({ events }).request('/v1/batches');
    expect(response.status).toBe(401);
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
  });

  it('logs one line per request without tokens or full financial addresses', async () => {
    const { logger, lines } = capturingLogger();
    const app = testApp({ events, logger });
    await app.request('/v1/dfsps/bank-a', {
      method: 'PUT',
      headers: as(TOKENS.admin, { 'x-correlation-id': 'log-check' }),
      body: JSON.stringify({
        name: 'Bank A',
        connector: 'g2p-connect',
        baseUrl: 'http://127.0.0.1:4001',
        payerFa: 'account:100200300@bank-a',
        currencies: ['KES'],
        faTypes: ['account'],
        callbackSecret: 'a-callback-secret-of-some-length',
      }),
    });
    await app.request('/v1/payments/account:100200300@bank-a', { headers: as(TOKENS.reporter) });
    const logged = lines();
    expect(logged.find((line) => line.correlationId === 'log-check')).toMatchObject({
      msg: 'request answered',
      method: 'PUT',
      route: '/v1/dfsps/:dfspId',
      status: 201,
      principal: 'ada',
    });
    const text = JSON.stringify(logged);
    for (const secret of [
      TOKENS.admin,
      TOKENS.reporter,
      'Bearer',
      '100200300',
      'callback-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('logs the route pattern, never the path: a 16 KB path with no token costs what a short one does', async () => {
    const { logger, lines } = capturingLogger();
    const app = testApp({ events, logger });
    // The worst a regex over the path could meet: 8,192 address-like starts, none ending in `@`.
    const path = `/v1/payments/${'a:'.repeat(8 * 1024)}`;
    await app.request('/v1/payments/warm-up'); // first-request costs (route compilation) aside
    const before = process.cpuUsage();
    const response = await app.request(path, { headers: { 'x-correlation-id': 'long-path' } });
    const cpu = process.cpuUsage(before);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(response.status).toBe(401);
    expect(cpuMs).toBeLessThan(50);
    const line = lines().find((entry) => entry.correlationId === 'long-path');
    expect(line).toMatchObject({ route: '/v1/payments/:paymentId', status: 401 });
    expect(line).not.toHaveProperty('path');
    expect(JSON.stringify(line)).not.toContain('a:a:a:a:');
  });
});
