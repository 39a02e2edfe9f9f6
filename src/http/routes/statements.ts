import { createHash, randomBytes } from 'node:crypto';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  type StreamingVerification,
  startVerification,
} from '../../adapters/dfsp/callbackSignature.js';
import {
  detectStatementFormat,
  parseStatement,
  UnsupportedStatementType,
} from '../../adapters/statements/statementFormat.js';
import { StatementFormatError } from '../../adapters/statements/statementInput.js';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import type { ParsedStatement } from '../../domain/statement.js';
import { PROBLEM_CONTENT_TYPE, problem, respondProblem } from '../problems.js';
import { DfspIdSchema, ProblemSchema } from '../schemas/common.js';
import { DfspParamsSchema } from '../schemas/dfsps.js';

/** Verifies the signature of an unknown DFSP all the same, so the refusal takes as long. */
const DECOY_SECRET = randomBytes(32).toString('hex');

const ImportedSchema = z
  .object({
    statementId: z.string().openapi({ example: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y' }),
  })
  .openapi('StatementImported');

const problemAnswer = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

const importStatementRoute = createRoute({
  method: 'post',
  path: '/v1/dfsps/{dfspId}/statements',
  tags: ['Reconciliation'],
  summary: "Import a DFSP's statement (operator token or DFSP signature)",
  description:
    "A statement of the programme's funding account at the DFSP, in CSV, SWIFT MT940 or ISO 20022 " +
    'camt.053 (from Content-Type `text/csv`, `application/x-mt940`, `application/xml`, or ' +
    'detected). Sent by an operator (`Authorization: Bearer`) or by the DFSP, signed like a ' +
    'callback (`X-Signature`). Every line is reconciled with the payment it names; the result is ' +
    'at `GET /v1/reconciliation/statements/{statementId}`. The same content again answers the ' +
    'same statement id and records nothing.',
  security: [{ bearerAuth: [] }, { dfspSignature: [] }],
  request: { params: DfspParamsSchema },
  responses: {
    201: {
      description: 'Imported (or imported before: the same id)',
      content: { 'application/json': { schema: ImportedSchema } },
    },
    400: problemAnswer('Not a statement of the format: the problem names the line or element'),
    401: problemAnswer('No bearer token and no valid DFSP signature'),
    403: problemAnswer('The token lacks the operator role'),
    404: problemAnswer('No such DFSP'),
    413: problemAnswer('Larger than the statement limits'),
    415: problemAnswer('A Content-Type that is no statement format'),
  },
});

/**
 * `POST /v1/dfsps/{dfspId}/statements`. The body is read once, as a stream: it is hashed (the
 * statement's identity), checked against the DFSP's signature when there is no bearer token, and
 * parsed, all in one pass and within the parsers' limits; a signature is judged before anything
 * is recorded. Served as a plain route, documented by hand, because the body is no JSON.
 */
export function registerStatementRoutes(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly callbackSecret?: (dfspId: string) => Promise<string | undefined>;
  },
): void {
  app.openAPIRegistry.registerPath(importStatementRoute);

  app.post(importStatementRoute.getRoutingPath(), async (c) => {
    const dfspId = c.req.param('dfspId');
    const principal = c.get('principal');
    let verification: StreamingVerification | undefined;
    if (principal === undefined) {
      const started = await signatureCheck(c, dfspId, deps.callbackSecret);
      if (started === undefined) return unauthorized(c);
      verification = started;
    } else if (!principal.roles.includes('operator')) {
      return respondProblem(
        c,
        problem('forbidden', 403, 'importing a statement needs the operator role'),
      );
    }
    const raw = c.req.raw.body;
    if (raw === null) {
      return respondProblem(c, problem('empty_statement', 400, 'the request has no body'));
    }
    const sha256 = createHash('sha256');
    const body = tap(raw, (chunk) => {
      sha256.update(chunk);
      verification?.update(chunk);
    });

    let parsed: ParsedStatement;
    try {
      const { format, body: whole } = await detectStatementFormat(
        c.req.header('content-type'),
        body,
      );
      parsed = await parseStatement(format, whole);
      await drain(body); // the hash and the signature cover every byte
    } catch (error) {
      if (error instanceof UnsupportedStatementType) {
        return respondProblem(c, problem('unsupported_media_type', 415, error.message));
      }
      if (!(error instanceof StatementFormatError)) throw error;
      if (error.tooLarge) {
        return respondProblem(c, problem('statement_too_large', 413, error.message), {
          connection: 'close',
        });
      }
      // A signed request is judged on its signature first: the rest of it is read to check it.
      if (verification !== undefined) {
        await drain(body); // bounded by the body limit
        if (!verification.verdict().ok) return unauthorized(c);
      }
      return respondProblem(
        c,
        problem('invalid_statement', 400, error.message, [
          { path: error.location, message: error.message },
        ]),
      );
    }
    if (verification !== undefined && !verification.verdict().ok) return unauthorized(c);

    const context: CommandContext = {
      actor: principal?.actor ?? `dfsp:${dfspId}`,
      correlationId: c.get('correlationId'),
      causationId: null,
    };
    const { statementId, created } = await deps.commands.importStatement(
      dfspId,
      parsed,
      sha256.digest('hex'),
      context,
    );
    c.get('log').info(
      { dfspId, statementId, created, format: parsed.format, lines: parsed.lines.length },
      created ? 'statement imported' : 'statement imported before',
    );
    return c.json({ statementId }, 201, {
      location: `/v1/reconciliation/statements/${statementId}`,
    });
  });
}

/** The DFSP's signature check, started on the header; undefined when refused at once. */
async function signatureCheck(
  c: Context,
  dfspId: string,
  callbackSecret: ((dfspId: string) => Promise<string | undefined>) | undefined,
): Promise<StreamingVerification | undefined> {
  const wellFormed = DfspIdSchema.safeParse(dfspId).success;
  const secret = wellFormed ? await callbackSecret?.(dfspId) : undefined;
  const known = secret !== undefined && secret !== '';
  const started = startVerification(
    c.req.header('x-signature'),
    known ? secret : DECOY_SECRET,
    Math.floor(Date.now() / 1000),
  );
  if (!known || 'ok' in started) {
    c.get('log').warn({ dfspId: wellFormed ? dfspId : '(malformed)' }, 'statement refused');
    return undefined;
  }
  return started;
}

function unauthorized(c: Context): Response {
  return respondProblem(
    c,
    problem(
      'unauthorized',
      401,
      'send Authorization: Bearer <token> (operator), or X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of t + "." + the body> with the DFSP\'s callback secret',
    ),
    { 'www-authenticate': 'Bearer, Signature realm="g2p-ledger"' },
  );
}

/**
 * The stream's chunks, each shown to `see` as it passes. Ending an iteration early (a parser that
 * stops at an error) does not cancel the stream: {@link drain} can still read the rest.
 */
function tap(
  stream: ReadableStream<Uint8Array>,
  see: (chunk: Uint8Array) => void,
): AsyncIterableIterator<Uint8Array> {
  const reader = stream.getReader();
  const iterator: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      const read = await reader.read();
      if (read.done) return { done: true, value: undefined };
      see(read.value);
      return { done: false, value: read.value };
    },
    async return() {
      return { done: true, value: undefined };
    },
  };
  return iterator;
}

async function drain(body: AsyncIterator<Uint8Array>): Promise<void> {
  for (;;) {
    if ((await body.next()).done) return;
  }
}
