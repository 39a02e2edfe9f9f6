import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { ProgrammeCommands } from '../../application/programmeCommands.js';
import type { ProgrammeReferences } from '../../application/programmeReferences.js';
import type { ReadModelQueries } from '../../application/readModels.js';
import type { StatementReader } from '../../application/statementReader.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import {
  DisbursementStatusRequestSchema,
  DisbursementsRequestSchema,
  EnvelopeRequestSchema,
  EnvelopeStatusRequestSchema,
  type RequestHeader,
  responseHeader,
} from './bridgeWire.js';
import { createDisbursements } from './disbursementOperations.js';
import { cancelDisbursements, disbursementStatus } from './disbursementStatus.js';
import { amendEnvelope } from './envelopeAmendment.js';
import {
  type BridgeAnswer,
  type BridgeCall,
  cancelEnvelope,
  createEnvelope,
  envelopeStatus,
} from './envelopeOperations.js';
import { parseExactJson, stringifyExact } from './exactJson.js';
import { registerStatementUploadRoute } from './statementUpload.js';

/** Where a programme points its bridge base URL: `PUBLIC_URL/g2p-bridge`. */
export const BRIDGE_BASE_PATH = '/g2p-bridge';

type Operation = (call: BridgeCall, message: never) => Promise<BridgeAnswer>;

interface BridgeDependencies {
  readonly commands: LedgerCommands;
  readonly queries: ReadModelQueries;
  readonly programmeReferences: ProgrammeReferences;
  readonly statements: StatementReader;
  readonly programmes: ProgrammeCommands;
}

/**
 * The OpenG2P G2P Bridge 1.0.x inward API (API.md) under {@link BRIDGE_BASE_PATH}, for
 * principals with the `programme` role acting for their own programmes: the bridge's envelope,
 * field names, enums and `succ|rjct` header, HTTP 200 for a business refusal, 422 for a body
 * that is not the bridge's model. Bodies are read with their numbers as text, so amounts are
 * exact decimals.
 */
export function registerG2pBridgeRoutes(app: OpenAPIHono, deps: BridgeDependencies): void {
  const lookup = deps.programmeReferences;
  const operations: Readonly<Record<string, [z.ZodType, Operation]>> = {
    create_disbursement_envelope: [EnvelopeRequestSchema, createEnvelope],
    amend_disbursement_envelope: [EnvelopeRequestSchema, amendEnvelope],
    cancel_disbursement_envelope: [EnvelopeRequestSchema, cancelEnvelope],
    get_disbursement_envelope_status: [EnvelopeStatusRequestSchema, envelopeStatus],
    create_disbursements: [
      DisbursementsRequestSchema,
      (call, message) => createDisbursements(call, lookup, message),
    ],
    cancel_disbursements: [
      DisbursementsRequestSchema,
      (call, message) => cancelDisbursements(call, lookup, message),
    ],
    get_disbursement_status: [
      DisbursementStatusRequestSchema,
      (call, message) => disbursementStatus(call, lookup, message),
    ],
  };
  for (const [name, [schema, operation]] of Object.entries(operations)) {
    const route = createRoute({
      method: 'post',
      path: `${BRIDGE_BASE_PATH}/${name}`,
      tags: ['G2P Bridge'],
      summary: `G2P Bridge ${name} (programme)`,
      description:
        "OpenG2P G2P Bridge 1.0.x compatible: the request and answer are the bridge's (see its " +
        'openapi.json); a business refusal is HTTP 200 with header.status "rjct".',
      security: BEARER_SECURITY,
      responses: {
        200: { description: 'succ, or rjct with the bridge error code' },
        422: { description: "The body is not the bridge's request model" },
        ...problemResponses(401, 403, 413),
      },
    });
    app.openAPIRegistry.registerPath(route);
    app.post(route.getRoutingPath(), requireRoles('programme'), async (c) => {
      const parsed = schema.safeParse(await readExactJson(c));
      if (!parsed.success) return invalidBody(c, parsed.error.issues);
      const request = parsed.data as { header: RequestHeader; message: never };
      const principal = c.get('principal');
      const call: BridgeCall = {
        commands: deps.commands,
        queries: deps.queries,
        programIds: principal?.programIds ?? [],
        programmes: deps.programmes,
        senderId: request.header.sender_id,
        context: commandContext(c),
        now: new Date(),
      };
      const answer = await operation(call, request.message);
      if (answer.rejection !== undefined) {
        c.get('log').info(
          { operation: name, code: answer.rejection },
          'g2p-bridge request refused',
        );
      }
      const body = {
        signature: null,
        header: responseHeader(request.header, call.now, answer.rejection),
        message: answer.message,
      };
      return c.body(stringifyExact(body), 200, { 'content-type': 'application/json' });
    });
  }
  registerStatementUploadRoute(app, deps);
  registerPing(app);
}

/** `GET /ping`: the bridge's health check, answered `"pong"` without authentication. */
function registerPing(app: OpenAPIHono): void {
  const route = createRoute({
    method: 'get',
    path: `${BRIDGE_BASE_PATH}/ping`,
    tags: ['G2P Bridge'],
    summary: 'G2P Bridge ping (public)',
    description: 'Answers the JSON string "pong", as the bridge does.',
    security: [],
    responses: { 200: { description: '"pong"' } },
  });
  app.openAPIRegistry.registerPath(route);
  app.get(route.getRoutingPath(), (c) => c.json('pong', 200));
}

const NOT_JSON = Symbol('not JSON');

async function readExactJson(c: Context): Promise<unknown> {
  try {
    return parseExactJson(await c.req.text());
  } catch (error) {
    if (error instanceof SyntaxError) return NOT_JSON;
    throw error;
  }
}

/** FastAPI's 422 `HTTPValidationError`, as the bridge answers a body that is not its model. */
function invalidBody(c: Context, issues: readonly z.core.$ZodIssue[]): Response {
  const detail = issues.slice(0, 20).map((issue) => ({
    type: issue.code,
    loc: ['body', ...issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key))],
    msg: issue.message,
  }));
  return c.json({ detail }, 422);
}
