import type { Env, Hono } from 'hono';
import { ulid } from 'ulid';
import { httpErrorBody } from './messages.js';
import type { LedgerEntry } from './referenceBook.js';
import { buildStatement } from './statement.js';
import { renderStatement } from './statementFormats.js';
import { parseStatementQuery } from './statementQuery.js';

/** What the operator's view reads. */
export interface OperatorRoutesDeps {
  dfspId: string;
  openingBalance: string;
  ledger: () => readonly LedgerEntry[];
  now: () => Date;
  startedAtMs: number;
}

/**
 * Mounts the operator's view, the same whatever protocol the DFSP speaks, and ignoring downtime:
 * `GET /ledger` lists what was paid; `GET /statements?from&to&format=csv|mt940|camt053&currency
 * &inject=…` states the funding account (see `buildStatement`, `applyInjections`), with header
 * `x-injected` mapping each injection to the reference it touched. A bad query is 400, a
 * statement that cannot be drawn up (too few payments for an injection, say) 422; both carry
 * G2P Connect's HttpErrorResponse.
 */
export function mountOperatorRoutes<E extends Env>(app: Hono<E>, deps: OperatorRoutesDeps): void {
  app.get('/ledger', (c) => {
    const entries = deps.ledger();
    return c.json({ dfsp_id: deps.dfspId, count: entries.length, entries });
  });

  app.get('/statements', (c) => {
    const query = parseStatementQuery(c.req.query());
    if (!query.ok) return c.json(httpErrorBody('err.request.bad', query.message), 400);
    const { format, ...request } = query.value;
    const built = buildStatement(deps.ledger(), request, {
      dfspId: deps.dfspId,
      openingBalance: deps.openingBalance,
      startedAt: new Date(deps.startedAtMs),
      createdAt: deps.now(),
      unknownReference: ulid(),
    });
    if (!built.ok) return c.json(httpErrorBody('err.request.bad', built.message), 422);
    const rendered = renderStatement(built.statement, format);
    if (!rendered.ok) return c.json(httpErrorBody('err.request.bad', rendered.message), 422);
    c.header('content-type', rendered.contentType);
    c.header('x-injected', asciiJson(built.statement.injected));
    return c.body(rendered.body, 200);
  });
}

/** JSON with every non-ASCII character escaped, so it fits in an HTTP header. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
