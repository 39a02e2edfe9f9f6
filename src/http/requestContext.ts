import type { Context } from 'hono';
import type { CommandContext } from '../application/ledgerCommands.js';
import type { Logger } from '../application/logger.js';
import type { ApiPrincipal } from './auth.js';

/** The authenticated caller of a request; `actor` is `user:<name>`. */
export interface RequestPrincipal extends ApiPrincipal {
  readonly actor: string;
}

// What the middleware chain puts on every request's context for the handlers. Declared on
// hono's ContextVariableMap (not as an app Env) so the app stays a plain `Hono` to its callers.
declare module 'hono' {
  interface ContextVariableMap {
    /** From `X-Correlation-Id` when valid, else generated; echoed on the answer. */
    correlationId: string;
    /** The service logger with this request's correlation id. */
    log: Logger;
    /** Set by `authenticate`; undefined on public paths only. */
    principal: RequestPrincipal | undefined;
    /** Set by `dfspSignature`: the exact bytes of a body whose DFSP signature was checked. */
    signedBody: Uint8Array;
  }
}

/**
 * The command context of an authenticated request: its principal as the actor and its
 * correlation id. Throws when no principal was authenticated: a route reached that way is a
 * wiring bug, and a ledger must not record a command without an actor.
 */
export function commandContext(c: Context): CommandContext {
  const principal = c.get('principal');
  if (principal === undefined) {
    throw new Error(`no authenticated principal on ${c.req.method} ${c.req.path}`);
  }
  return { actor: principal.actor, correlationId: c.get('correlationId'), causationId: null };
}
