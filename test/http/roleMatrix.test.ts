import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../src/adapters/oidc/jwtVerifier.js';
import type { ProgrammeCommands } from '../../src/application/programmeCommands.js';
import { ROLES, type Role } from '../../src/http/auth.js';
import {
  aProviderKey,
  type ProviderKey,
  signToken,
  startOidcProvider,
} from '../support/oidcProvider.js';
import { pgliteEventStore, realProgrammes, TOKENS, testApp } from './support.js';

// Who may call what (DESIGN.md, "HTTP API v1"): ONE decision per operation, keyed by
// `METHOD path` as /openapi.json writes it. Every operation of the document must have one, and
// every decision but those on public paths (which the document leaves out) must name an
// operation of the document.
type Access =
  /** Needs a bearer token of a principal holding one of `roles`. */
  | { readonly bearer: readonly Role[] }
  /** Needs no credential at all. */
  | { readonly public: true }
  /** Authenticated by the DFSP's signature only: a bearer token is no credential there. */
  | { readonly signature: true }
  /** Verified as the DFSP's registration says (a signature or the URL's path token) only. */
  | { readonly verification: true }
  /** A DFSP signature, or a bearer token of a principal holding one of `bearer`. */
  | { readonly bearer: readonly Role[]; readonly signature: true };

const READERS: readonly Role[] = ['reporter', 'operator', 'approver', 'auditor'];

const ACCESS: Readonly<Record<string, Access>> = {
  'GET /healthz': { public: true },
  'GET /readyz': { public: true },
  'GET /metrics': { public: true },
  'GET /openapi.json': { public: true },
  'GET /docs': { public: true },
  'PUT /v1/dfsps/{dfspId}': { bearer: ['admin'] },
  'POST /v1/dfsps/{dfspId}/suspend': { bearer: ['admin'] },
  'POST /v1/dfsps/{dfspId}/resume': { bearer: ['admin'] },
  'GET /v1/dfsps': { bearer: ['admin', 'reporter'] },
  'PUT /v1/routing-rules': { bearer: ['admin'] },
  'GET /v1/routing-rules': { bearer: ['admin'] },
  'POST /v1/routing-rules/dry-run': { bearer: ['admin'] },
  'POST /v1/batches': { bearer: ['operator'] },
  'GET /v1/batches': { bearer: READERS },
  'POST /v1/batches/{batchId}/payments': { bearer: ['operator'] },
  'POST /v1/batches/{batchId}/submit': { bearer: ['operator'] },
  'PATCH /v1/batches/{batchId}': { bearer: ['operator'] },
  'POST /v1/batches/{batchId}/approve': { bearer: ['approver'] },
  'POST /v1/batches/{batchId}/cancel': { bearer: ['operator'] },
  'GET /v1/batches/{batchId}': { bearer: READERS },
  'GET /v1/payments/{paymentId}': { bearer: READERS },
  'GET /v1/payments': { bearer: READERS },
  'POST /v1/payments/{paymentId}/cancel': { bearer: ['operator'] },
  'POST /v1/payments/{paymentId}/retry': { bearer: ['operator'] },
  'POST /v1/payments/{paymentId}/resolve': { bearer: ['operator', 'approver'] },
  'GET /v1/payments/{paymentId}/events': { bearer: ['auditor'] },
  'GET /v1/events': { bearer: ['auditor', 'reporter'] },
  'POST /v1/payments/status': { bearer: ['reporter', 'operator', 'approver', 'auditor'] },
  'GET /v1/dfsps/{dfspId}': { bearer: ['admin'] },
  'POST /v1/dfsps/{dfspId}/preview': { bearer: ['admin'] },
  'POST /v1/dfsps/{dfspId}/test': { bearer: ['admin'] },
  'GET /v1/dfsps/{dfspId}/files': { bearer: ['admin', 'operator', 'auditor'] },
  'POST /v1/dfsps/{dfspId}/on-disburse': { signature: true },
  'POST /v1/dfsps/{dfspId}/callbacks': { verification: true },
  'POST /v1/dfsps/{dfspId}/callbacks/{token}': { verification: true },
  'POST /v1/dfsps/{dfspId}/statements': { bearer: ['operator'], signature: true },
  'GET /v1/reconciliation/statements/{statementId}': {
    bearer: ['reporter', 'operator', 'auditor'],
  },
  'GET /v1/reconciliation/discrepancies': { bearer: ['reporter', 'operator', 'auditor'] },
  'POST /v1/beneficiaries/{beneficiaryId}/erase': { bearer: ['admin'] },
  'PUT /v1/webhooks/{subscriptionId}': { bearer: ['admin'] },
  'GET /v1/webhooks/{subscriptionId}': { bearer: ['admin'] },
  'GET /v1/webhooks': { bearer: ['admin'] },
  'GET /v1/webhooks/{subscriptionId}/deliveries': { bearer: ['admin'] },
  'POST /v1/webhooks/{subscriptionId}/replay': { bearer: ['admin'] },
  'POST /g2p-bridge/create_disbursement_envelope': { bearer: ['programme'] },
  'POST /g2p-bridge/amend_disbursement_envelope': { bearer: ['programme'] },
  'POST /g2p-bridge/cancel_disbursement_envelope': { bearer: ['programme'] },
  'GET /g2p-bridge/ping': { public: true },
  'POST /g2p-bridge/get_disbursement_envelope_status': { bearer: ['programme'] },
  'POST /g2p-bridge/create_disbursements': { bearer: ['programme'] },
  'POST /g2p-bridge/cancel_disbursements': { bearer: ['programme'] },
  'POST /g2p-bridge/get_disbursement_status': { bearer: ['programme'] },
  'POST /g2p-bridge/upload_mt940': { bearer: ['operator'] },
  'PUT /v1/programmes/{programId}': { bearer: ['admin'] },
  'GET /v1/programmes/{programId}': { bearer: ['admin'] },
};

/** A value for each path parameter: well-formed, so a request gets past validation of the path. */
const PARAMETERS: Readonly<Record<string, string>> = {
  batchId: ulid(),
  paymentId: ulid(),
  dfspId: 'bank-a',
  beneficiaryId: 'NID-0042',
  token: 'not-the-token-of-any-dfsp',
  statementId: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y',
  programId: 'CT-OVC',
  subscriptionId: 'erp-payments',
};

/** Who calls: nobody, a token nobody was given, an expired JWT with every role, each role. */
type Caller =
  | { readonly kind: 'none' }
  | { readonly kind: 'wrong token' }
  | { readonly kind: 'expired JWT' }
  | { readonly kind: 'role'; readonly role: Role };

const CALLERS: readonly Caller[] = [
  { kind: 'none' },
  { kind: 'wrong token' },
  { kind: 'expired JWT' },
  ...ROLES.map((role) => ({ kind: 'role', role }) as const),
];

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

interface OpenApiDocument {
  readonly paths: Record<string, Partial<Record<string, { security?: unknown }>>>;
}

// The document is read once, before the tests are defined, so that there is one test per
// operation it holds.
const documentStore = await pgliteEventStore();
const document = (await (
  await testApp({ events: documentStore.events }).request('/openapi.json')
).json()) as OpenApiDocument;
await documentStore.db.close();

const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
  METHODS.filter((method) => operations[method] !== undefined).map((method) => ({
    key: `${method.toUpperCase()} ${path}`,
    security: operations[method]?.security,
  })),
);

/** What the answer to `caller` must be: 'pass' is neither 401 nor 403 (nor a 5xx). */
function expected(access: Access, caller: Caller): 401 | 403 | 200 | 'pass' {
  if ('public' in access) return 200;
  const bearer = 'bearer' in access ? access.bearer : [];
  if (caller.kind !== 'role') return 401;
  if (bearer.length === 0) return 401;
  return bearer.includes(caller.role) ? 'pass' : 403;
}

function describeCaller(caller: Caller): string {
  return caller.kind === 'role' ? caller.role : caller.kind;
}

describe('the role matrix', () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let key: ProviderKey;
  let expiredJwt: string;
  let validJwt: string;
  let store: Awaited<ReturnType<typeof pgliteEventStore>>;
  let programmes: ProgrammeCommands;

  beforeAll(async () => {
    provider = await startOidcProvider();
    key = await aProviderKey('rsa-matrix', 'RS256');
    provider.published.push(key);
    const now = Math.floor(Date.now() / 1_000);
    const claims = { issuer: provider.issuer, roles: [...ROLES] };
    expiredJwt = await signToken(key, { ...claims, expiresAt: now - 3_600 });
    validJwt = await signToken(key, claims);
    store = await pgliteEventStore();
    programmes = await realProgrammes(store);
  });
  afterAll(async () => {
    await provider?.close();
    await store?.db.close();
  });

  // A fresh app for each operation keeps the refused callers of one from reaching the limit on
  // failed authentications of the next.
  const app = () =>
    testApp({
      events: store.events,
      programmes,
      accessTokens: createOidcVerifier({
        issuer: provider.issuer,
        audience: 'g2p-ledger',
        jwksUrl: new URL(provider.jwksUrl),
        rolesClaim: 'realm_access.roles',
        principalClaim: 'preferred_username',
      }),
    });

  const headersOf = (caller: Caller): Record<string, string> => {
    const json = { 'content-type': 'application/json' };
    switch (caller.kind) {
      case 'none':
        return json;
      case 'wrong token':
        return { ...json, authorization: 'Bearer not-a-token-0001' };
      case 'expired JWT':
        return { ...json, authorization: `Bearer ${expiredJwt}` };
      case 'role':
        return { ...json, authorization: `Bearer ${TOKENS[caller.role]}` };
    }
  };

  it('has a decision for every operation in /openapi.json, and none for an operation it lacks', () => {
    const inDocument = new Set(documented.map((operation) => operation.key));
    const undecided = [...inDocument].filter((operation) => ACCESS[operation] === undefined);
    expect(undecided, 'a new route without a decision: add it to ACCESS').toEqual([]);
    const stale = Object.entries(ACCESS)
      .filter(([operation, access]) => !('public' in access) && !inDocument.has(operation))
      .map(([operation]) => operation);
    expect(stale, 'decisions for operations /openapi.json does not hold').toEqual([]);
  });

  it('documents each operation with the credentials its decision takes', () => {
    for (const { key: operation, security } of documented) {
      const access = ACCESS[operation];
      if (access === undefined || 'public' in access) continue;
      const schemes = [
        ...('bearer' in access ? [{ bearerAuth: [] }] : []),
        ...('signature' in access ? [{ dfspSignature: [] }] : []),
        ...('verification' in access ? [{ dfspCallbackVerification: [] }] : []),
      ];
      expect(security, operation).toEqual(schemes);
    }
  });

  it('takes the unexpired twin of the expired JWT, so the expiry is what it refuses', async () => {
    const response = await app().request('/v1/events', {
      headers: { authorization: `Bearer ${validJwt}` },
    });
    expect(response.status).toBe(200);
  });

  const operations = [
    ...documented.map((operation) => operation.key),
    ...Object.entries(ACCESS)
      .filter(([, access]) => 'public' in access)
      .map(([operation]) => operation),
  ];

  describe.each(operations)('%s', (operation) => {
    it('answers every caller as its decision says', async () => {
      const access = ACCESS[operation];
      expect(access, 'a new route without a decision: add it to ACCESS').toBeDefined();
      if (access === undefined) return;
      const [method = '', template = ''] = operation.split(' ');
      const url = template.replace(/\{(\w+)\}/g, (_whole, name: string) => {
        const value = PARAMETERS[name];
        if (value === undefined) throw new Error(`no sample value for {${name}} in PARAMETERS`);
        return value;
      });
      const server = app();
      const answers: Record<string, number | string> = {};
      const wanted: Record<string, number | string> = {};
      for (const caller of CALLERS) {
        const response = await server.request(url, {
          method,
          headers: headersOf(caller),
          ...(method === 'GET' ? {} : { body: '{}' }),
        });
        await response.arrayBuffer();
        const expectation = expected(access, caller);
        // Got past authorization; a validation answer (400, 404, 415, 422) is fine, a crash is not.
        const passed = response.status !== 401 && response.status !== 403 && response.status < 500;
        answers[describeCaller(caller)] =
          expectation === 'pass' && passed ? 'pass' : response.status;
        wanted[describeCaller(caller)] = expectation;
      }
      expect(answers).toEqual(wanted);
    });
  });
});
