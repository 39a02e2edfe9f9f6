import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import {
  BeneficiaryParamsSchema,
  ErasureBodySchema,
  ErasureOutcomeSchema,
} from '../schemas/beneficiaries.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';

const eraseBeneficiary = createRoute({
  method: 'post',
  path: '/v1/beneficiaries/{beneficiaryId}/erase',
  tags: ['Beneficiaries'],
  summary: "Crypto-shred a beneficiary's personal data (admin)",
  description:
    "Destroys the key the beneficiary's name, financial address, id and purpose are sealed " +
    'under in the event log, records BeneficiaryErased, and cancels their payments not yet sent. ' +
    'Every read, the feed, a rebuild and a replay then show the fields as erased; counts and ' +
    'amounts stay. 404 when no data of the beneficiary is held (never seen, or erased already).',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin')] as const,
  request: {
    params: BeneficiaryParamsSchema,
    body: { required: true, content: { 'application/json': { schema: ErasureBodySchema } } },
  },
  responses: {
    200: {
      description: 'Erased',
      content: { 'application/json': { schema: ErasureOutcomeSchema } },
    },
    ...problemResponses(400, 404, 409, 415),
  },
});

export function registerBeneficiaryRoutes(
  app: OpenAPIHono,
  deps: { readonly commands: LedgerCommands },
): void {
  app.openapi(eraseBeneficiary, async (c) => {
    const { beneficiaryId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const outcome = await deps.commands.eraseBeneficiary(beneficiaryId, reason, commandContext(c));
    return c.json(outcome, 200);
  });
}
