import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type {
  DfspRequestAuthenticator,
  SignatureCheck,
} from '../../application/dfspRequestAuthentication.js';
import type { CommandContext, LedgerCommands } from '../../application/ledgerCommands.js';
import type { StatementReader, StatementRefusal } from '../../application/statementReader.js';
import { assertNever } from '../../domain/assertNever.js';
import { optional } from '../../domain/optional.js';
import { STATEMENT_NOTICE_KINDS } from '../../domain/statement.js';
import { PROBLEM_CONTENT_TYPE, problem, respondProblem } from '../problems.js';
import { DfspIdSchema, ProblemSchema } from '../schemas/common.js';
import { DfspParamsSchema } from '../schemas/dfsps.js';

const NoticeSchema = z
  .object({
    location: z.string().openapi({ example: 'line 14, field :NS:' }),
    kind: z.enum(STATEMENT_NOTICE_KINDS),
    message: z.string().openapi({ example: 'field :NS: is not read' }),
  })
  .openapi('StatementNotice', {
    description: 'something the reader read past rather than refuse the file',
  });

const ImportedStatementSchema = z
  .object({
    statementId: z.string().openapi({ example: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y' }),
    statementRef: z.string().nullable().openapi({ description: 'MT940 :20:, camt Stmt/Id' }),
    lineCount: z.number().int(),
    notices: z.array(NoticeSchema),
  })
  .openapi('ImportedStatement');

const ImportedSchema = z
  .object({
    statementId: z.string().openapi({
      example: '7Q2M0W5K3Z9X8C1V4B6N2R7T5Y',
      description: "the file's first statement (its only one, mostly)",
    }),
    statements: z.array(ImportedStatementSchema).openapi({
      description: 'every statement of the file, in file order, each recorded on its own',
    }),
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
    "A file of statements of the programme's funding account at the DFSP, in CSV, SWIFT MT940 " +
    'or ISO 20022 camt.053, camt.052 or camt.054 (from Content-Type `text/csv`, ' +
    '`application/x-mt940`, `application/xml`, or detected from the content; a `charset` ' +
    'parameter or XML declaration is honoured, and text that is not UTF-8 is read as ' +
    'windows-1252). An MT940 file or camt message may hold several statements: each is recorded ' +
    'as a statement of its own, with its own id. What the reader read past (bank header lines, ' +
    'unknown MT940 fields, impossible dates, unusable references) is listed in `notices`. Sent ' +
    'by an operator (`Authorization: Bearer`) or by the DFSP, signed like a callback ' +
    '(`X-Signature`). Every line is reconciled with the payment it names; the result is at ' +
    '`GET /v1/reconciliation/statements/{statementId}` (the Location header names the first). ' +
    'The same file again answers the same statement ids and records nothing.',
  security: [{ bearerAuth: [] }, { dfspSignature: [] }],
  request: { params: DfspParamsSchema },
  responses: {
    201: {
      description: 'Imported (or imported before: the same ids)',
      content: { 'application/json': { schema: ImportedSchema } },
    },
    400: problemAnswer('Not a statement of the format: the problem names the line or element'),
    401: problemAnswer('No bearer token and no valid DFSP signature'),
    403: problemAnswer('The token lacks the operator role'),
    404: problemAnswer('No such DFSP'),
    413: problemAnswer('Larger than the statement limits'),
    415: problemAnswer('A Content-Type that is no statement format'),
    503: problemAnswer('Four statements are being read already: send it again shortly'),
  },
});

/**
 * `POST /v1/dfsps/{dfspId}/statements`. The statement reader reads the body once, as a stream:
 * hashed (the statement's identity), checked against the DFSP's signature when there is no bearer
 * token, and parsed, all in one pass and within the readers' limits; a signature is judged before
 * anything is recorded. Served as a plain route, documented by hand, because the body is no JSON.
 */
export function registerStatementRoutes(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly statements: StatementReader;
    readonly dfspAuthenticator: DfspRequestAuthenticator;
  },
): void {
  app.openAPIRegistry.registerPath(importStatementRoute);

  app.post(importStatementRoute.getRoutingPath(), async (c) => {
    const dfspId = c.req.param('dfspId');
    const principal = c.get('principal');
    let signature: SignatureCheck | undefined;
    if (principal === undefined) {
      signature = await signatureCheck(c, dfspId, deps.dfspAuthenticator);
      if (signature === undefined) {
        await discardBody(c);
        return unauthorized(c);
      }
    } else if (!principal.roles.includes('operator')) {
      await discardBody(c);
      return respondProblem(
        c,
        problem('forbidden', 403, 'importing a statement needs the operator role'),
      );
    }
    const body = c.req.raw.body;
    if (body === null) {
      return respondProblem(c, problem('empty_statement', 400, 'the request has no body'));
    }
    const read = await deps.statements.read({
      contentType: c.req.header('content-type'),
      body,
      ...optional('signature', signature),
    });
    if (!read.ok) return refuse(c, read.refusal);

    const context: CommandContext = {
      actor: principal?.actor ?? `dfsp:${dfspId}`,
      correlationId: c.get('correlationId'),
      causationId: null,
    };
    const imported = await deps.commands.importStatements(dfspId, read, context);
    await signature?.accepted();
    const [first] = imported;
    if (first === undefined) throw new Error('a statement file read into no statement');
    c.get('log').info(
      {
        dfspId,
        statementIds: imported.map((statement) => statement.statementId),
        created: imported.filter((statement) => statement.created).length,
        format: read.statements[0].format,
        lines: imported.reduce((sum, statement) => sum + statement.lineCount, 0),
      },
      imported.some((statement) => statement.created)
        ? 'statements imported'
        : 'statements imported before',
    );
    const statements = imported.map(({ statementId, statementRef, lineCount, notices }) => ({
      statementId,
      statementRef: statementRef ?? null,
      lineCount,
      notices,
    }));
    return c.json({ statementId: first.statementId, statements }, 201, {
      location: `/v1/reconciliation/statements/${first.statementId}`,
    });
  });
}

/**
 * The DFSP's signature check, started on the header; undefined when refused at once. A statement
 * streams up to 50 MiB, so an unknown DFSP's is refused before its body is read.
 */
async function signatureCheck(
  c: Context,
  dfspId: string,
  authenticator: DfspRequestAuthenticator,
): Promise<SignatureCheck | undefined> {
  const wellFormed = DfspIdSchema.safeParse(dfspId).success;
  const started = await authenticator.start(
    wellFormed ? dfspId : undefined,
    c.req.header('x-signature'),
    { unknownDfsp: 'refuse-at-once' },
  );
  if ('refused' in started) {
    c.get('log').warn({ dfspId: wellFormed ? dfspId : '(malformed)' }, 'statement refused');
    return undefined;
  }
  return started;
}

function refuse(c: Context, refusal: StatementRefusal): Response {
  switch (refusal.kind) {
    case 'unsupported_type':
      return respondProblem(c, problem('unsupported_media_type', 415, refusal.message));
    case 'too_large':
      return respondProblem(c, problem('statement_too_large', 413, refusal.message), {
        connection: 'close',
      });
    case 'unsigned':
      return unauthorized(c);
    case 'busy':
      return respondProblem(c, problem('statements_busy', 503, refusal.message), {
        'retry-after': '1',
      });
    case 'invalid':
      return respondProblem(
        c,
        problem('invalid_statement', 400, refusal.message, [
          { path: refusal.location, message: refusal.message },
        ]),
      );
    default:
      return assertNever(refusal);
  }
}

/**
 * Cancels a body the route will not read, so the bytes still arriving are dropped rather than
 * queued in memory until the request ends (a refused 50 MiB upload costs nothing to hold).
 */
async function discardBody(c: Context): Promise<void> {
  await c.req.raw.body?.cancel().catch(() => undefined);
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
