import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ProgrammeCommands, ProgrammeInForce } from '../../application/programmeCommands.js';
import { OutboundCredentials } from '../../domain/dfspConnection.js';
import { optional } from '../../domain/optional.js';
import { PROGRAMME_APPROVALS } from '../../domain/programmeEvents.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';

const json = 'application/json';

const ProgrammeParamsSchema = z.object({
  programId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/)
    .openapi({ param: { name: 'programId', in: 'path' }, example: 'CT-OVC' }),
});

const approvalSchema = z.enum(PROGRAMME_APPROVALS).openapi({
  description:
    '`four-eyes` (default): a batch from the programme system waits for an approver; ' +
    '`upstream`: the programme system approved it, and it is approved on arrival, recorded ' +
    "as approved by `upstream:<the request header's sender_id>`",
});

const ProgrammeSchema = z
  .strictObject({
    approval: approvalSchema.default('four-eyes'),
    idMapper: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/ })
          .max(2_000)
          .openapi({
            description: "the mapper's base URL; the ledger calls `{url}/mapper/sync/resolve`",
            example: 'https://spar.example.gov/spar/v1',
          }),
        credentials: OutboundCredentials.optional().openapi({
          description:
            'write-only, sealed: HTTP credentials and a client certificate as for a DFSP; ' +
            'without them, those in force stay; `{"auth": {"kind": "none"}}` removes them',
        }),
      })
      .optional()
      .openapi({
        description:
          "the programme's G2P Connect ID-account mapper: beneficiary ids that are not " +
          'financial addresses are resolved through it before routing',
      }),
  })
  .openapi('Programme');

const ProgrammeViewSchema = z
  .object({
    programId: z.string(),
    registered: z.boolean(),
    approval: z.enum(PROGRAMME_APPROVALS),
    idMapper: z
      .object({
        url: z.string(),
        credentials: z
          .object({ auth: z.string(), clientTls: z.boolean(), setAt: z.string() })
          .nullable()
          .openapi({ description: 'which kind of credential is set and when, never its value' }),
      })
      .nullable(),
  })
  .openapi('ProgrammeView');

const registerProgramme = createRoute({
  method: 'put',
  path: '/v1/programmes/{programId}',
  tags: ['Programmes'],
  summary: "Register how a programme's batches are approved and its ID mapper (admin)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: ProgrammeParamsSchema,
    body: { required: true, content: { [json]: { schema: ProgrammeSchema } } },
  },
  responses: {
    200: {
      description: 'Registered (or registered so already)',
      content: { [json]: { schema: ProgrammeViewSchema.extend({ created: z.boolean() }) } },
    },
    ...problemResponses(400, 415),
  },
});

const getProgramme = createRoute({
  method: 'get',
  path: '/v1/programmes/{programId}',
  tags: ['Programmes'],
  summary: "A programme's registration in force, its credentials described only (admin)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: { params: ProgrammeParamsSchema },
  responses: {
    200: {
      description: 'The registration; `registered: false` with the defaults before the first',
      content: { [json]: { schema: ProgrammeViewSchema } },
    },
    ...problemResponses(400),
  },
});

/** `PUT`/`GET /v1/programmes/{programId}`: a programme's approval and ID mapper, on its stream. */
export function registerProgrammeRoutes(
  app: OpenAPIHono,
  deps: { readonly programmes: ProgrammeCommands },
): void {
  app.openapi(registerProgramme, async (c) => {
    const { programId } = c.req.valid('param');
    const { approval, idMapper } = c.req.valid('json');
    const registration = {
      approval,
      ...optional(
        'idMapper',
        idMapper && { url: idMapper.url, ...optional('credentials', idMapper.credentials) },
      ),
    };
    const { created, ...inForce } = await deps.programmes.registerProgramme(
      programId,
      registration,
      commandContext(c),
    );
    return c.json({ ...programmeView(programId, inForce), created }, 200);
  });

  app.openapi(getProgramme, async (c) => {
    const { programId } = c.req.valid('param');
    return c.json(programmeView(programId, await deps.programmes.registrationOf(programId)), 200);
  });
}

/** A registration as answered: the credentials' kind and date, never the fingerprint or value. */
function programmeView(programId: string, inForce: ProgrammeInForce) {
  const { idMapper } = inForce;
  const credentials = idMapper?.credentials;
  return {
    programId,
    registered: inForce.registered,
    approval: inForce.approval,
    idMapper:
      idMapper === undefined
        ? null
        : {
            url: idMapper.url,
            credentials:
              credentials === undefined
                ? null
                : {
                    auth: credentials.auth,
                    clientTls: credentials.clientTls,
                    setAt: credentials.setAt,
                  },
          },
  };
}
