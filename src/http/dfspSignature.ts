import type { MiddlewareHandler } from 'hono';
import type { DfspRequestAuthenticator } from '../application/dfspRequestAuthentication.js';
import { problem, respondProblem } from './problems.js';
import { DfspIdSchema } from './schemas/common.js';

/**
 * Middleware for a DFSP's signed callbacks (`/v1/dfsps/:dfspId/…`): the body is read whole (the
 * body limit has bounded it) and its `X-Signature` checked over the exact bytes before anything
 * parses them. A refusal is a 401 that changes nothing; a request that passes carries its bytes
 * on as `c.get('signedBody')`.
 *
 * @example
 * app.use('/v1/dfsps/:dfspId/on-disburse', dfspSignature(authenticator));
 */
export function dfspSignature(authenticator: DfspRequestAuthenticator): MiddlewareHandler {
  return async function verifyDfspSignature(c, next) {
    const dfspId = c.req.param('dfspId') ?? '';
    const wellFormed = DfspIdSchema.safeParse(dfspId).success;
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const check = await authenticator.start(
      wellFormed ? dfspId : undefined,
      c.req.header('x-signature'),
    );
    let refusal: string | undefined;
    if ('refused' in check) refusal = check.refused;
    else {
      check.update(rawBody);
      refusal = await check.refusal();
    }
    if (refusal !== undefined) {
      const logged = wellFormed ? dfspId : '(malformed)';
      c.get('log').warn({ dfspId: logged, reason: refusal }, 'callback refused');
      return respondProblem(
        c,
        problem(
          'unauthorized',
          401,
          'send X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + the body> with ' +
            "the DFSP's callback secret, within 300 s",
        ),
        { 'www-authenticate': 'Signature realm="g2p-ledger"' },
      );
    }
    c.set('signedBody', rawBody);
    await next();
    // Applied: the same signed request again is a replay. A failure (5xx) the DFSP may retry.
    if (c.res.status < 300 && !('refused' in check)) await check.accepted();
  };
}
