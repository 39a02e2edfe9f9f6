import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ProgrammeCommands } from '../../application/programmeCommands.js';
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

const ProgrammeSchema = z
  .object({
    approval: z.enum(PROGRAMME_APPROVALS).openapi({
      description:
        '`four-eyes` (default): a batch from the programme system waits for an approver; ' +
        '`upstream`: the programme system approved it, and it is approved on arrival, recorded ' +
        "as approved by `upstream:<the request header's sender_id>`",
    }),
  })
  .openapi('Programme');

const registerProgramme = createRoute({
  method: 'put',
  path: '/v1/programmes/{programId}',
  tags: ['Programmes'],
  summary: "Register how a programme's batches are approved (admin)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: ProgrammeParamsSchema,
    body: { required: true, content: { [json]: { schema: ProgrammeSchema } } },
  },
  responses: {
    200: {
      description: 'Registered (or registered so already)',
      content: {
        [json]: { schema: ProgrammeSchema.extend({ programId: z.string(), created: z.boolean() }) },
      },
    },
    ...problemResponses(400, 415),
  },
});

/** `PUT /v1/programmes/{programId}`: a programme's approval, recorded on its own stream. */
export function registerProgrammeRoutes(
  app: OpenAPIHono,
  deps: { readonly programmes: ProgrammeCommands },
): void {
  app.openapi(registerProgramme, async (c) => {
    const { programId } = c.req.valid('param');
    const { approval } = c.req.valid('json');
    const registered = await deps.programmes.registerProgramme(
      programId,
      { approval },
      commandContext(c),
    );
    return c.json({ programId, ...registered }, 200);
  });
}
