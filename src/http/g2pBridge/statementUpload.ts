import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { ReadModelQueries } from '../../application/readModels.js';
import type { StatementReader } from '../../application/statementReader.js';
import { DomainError } from '../../domain/domainError.js';
import { optional } from '../../domain/optional.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, DfspIdSchema, problemResponses } from '../schemas/common.js';
import { BRIDGE_ERRORS, responseHeader } from './bridgeWire.js';

const UPLOAD_ERROR = BRIDGE_ERRORS.STATEMENT_UPLOAD_ERROR;
// DFSPs a statement's account is looked for among, 100 a page.
const MAX_DFSP_PAGES = 10;

const uploadRoute = createRoute({
  method: 'post',
  path: '/g2p-bridge/upload_mt940',
  tags: ['G2P Bridge'],
  summary: 'G2P Bridge upload_mt940 (operator)',
  description:
    'Multipart `statement_file` (SWIFT MT940), imported as `POST /v1/dfsps/{dfspId}/statements` ' +
    'would: from the DFSP named by the form field `dfsp_id`, else the one whose registered ' +
    "funding account (`payerFa`) is the statement's `:25:` account. Answers the first statement's " +
    'id in `message` (as the bridge does) and in `statement_id`.',
  security: BEARER_SECURITY,
  responses: {
    200: { description: 'succ, or rjct with message STATEMENT_UPLOAD_ERROR' },
    ...problemResponses(401, 403, 413),
  },
});

/**
 * `upload_mt940`: the bridge's statement upload onto the ledger's statement import. It needs the
 * operator role, as importing any statement does: a statement reconciles the payments of every
 * programme paid through that DFSP, so a programme's principal may not send one.
 */
export function registerStatementUploadRoute(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly queries: ReadModelQueries;
    readonly statements: StatementReader;
  },
): void {
  app.openAPIRegistry.registerPath(uploadRoute);
  app.post(uploadRoute.getRoutingPath(), requireRoles('operator'), async (c) => {
    const now = new Date();
    const refuse = (why: string) => {
      c.get('log').info({ why }, 'g2p-bridge statement refused');
      return answer(c, now, UPLOAD_ERROR, null, UPLOAD_ERROR);
    };
    const form = await c.req.parseBody().catch(() => undefined);
    const file = form?.statement_file;
    if (!(file instanceof File)) return refuse('no statement_file');
    const read = await deps.statements.read({
      contentType: 'application/x-mt940',
      body: file.stream(),
    });
    if (!read.ok) return refuse(read.refusal.kind);
    const named = form?.dfsp_id;
    const dfspId =
      typeof named === 'string'
        ? named
        : await dfspOfAccount(deps.queries, read.statements[0].accountId);
    if (dfspId === undefined || !DfspIdSchema.safeParse(dfspId).success) {
      return refuse('no DFSP for the statement');
    }
    let statementId: string | null;
    try {
      const imported = await deps.commands.importStatements(dfspId, read, commandContext(c));
      statementId = imported[0]?.statementId ?? null;
    } catch (error) {
      if (error instanceof DomainError) return refuse(error.code);
      throw error;
    }
    return answer(c, now, statementId, statementId, undefined);
  });
}

function answer(
  c: Context,
  now: Date,
  message: string | null,
  statementId: string | null,
  rejection: typeof UPLOAD_ERROR | undefined,
): Response {
  return c.json(
    {
      signature: null,
      header: responseHeader(undefined, now, rejection),
      message,
      statement_id: statementId,
      response_error_code: rejection ?? null,
    },
    200,
  );
}

/**
 * The one DFSP whose registered funding account is the statement's account: its `payerFa` whole
 * (`account:9000000001@bank-a`) or the account id in it; undefined if none or several.
 */
async function dfspOfAccount(
  queries: ReadModelQueries,
  accountId: string | undefined,
): Promise<string | undefined> {
  const account = accountId?.trim().toLowerCase();
  if (account === undefined || account === '') return undefined;
  const found: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_DFSP_PAGES; page += 1) {
    const dfsps = await queries.listDfsps({ limit: 100, ...optional('cursor', cursor) });
    for (const { dfspId, payerFa } of dfsps.items) {
      const id = payerFa.slice(payerFa.indexOf(':') + 1, payerFa.lastIndexOf('@')).toLowerCase();
      if (payerFa.toLowerCase() === account || id === account) found.push(dfspId);
    }
    if (dfsps.nextCursor === null) break;
    cursor = dfsps.nextCursor;
  }
  return found.length === 1 ? found[0] : undefined;
}
