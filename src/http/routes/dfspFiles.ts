import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { FileExchangeJournal } from '../../application/fileExchangeJournal.js';
import { requireRoles } from '../auth.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import { DfspParamsSchema } from '../schemas/dfsps.js';

const SentFileSchema = z.object({
  messageId: z.string(),
  fileName: z.string(),
  contentSha256: z.string(),
  state: z.enum(['preparing', 'renaming', 'delivered', 'abandoned']).openapi({
    description:
      'preparing: being written under a temporary name; renaming: whole, being renamed; ' +
      'delivered: the bank may read it; abandoned: never renamed, its payments never reached ' +
      'the bank',
  }),
  paymentCount: z.number().int(),
  changedAt: z.string(),
});

const ReceivedFileSchema = z.object({
  fileName: z.string(),
  contentSha256: z.string(),
  kind: z.enum(['status_report', 'statement', 'unreadable']),
  outcome: z.string().openapi({ description: 'what reading it came to, or why it was not read' }),
  receivedAt: z.string(),
});

const FilesSchema = z
  .object({ sent: z.array(SentFileSchema), received: z.array(ReceivedFileSchema) })
  .openapi('DfspFiles');

const listFiles = createRoute({
  method: 'get',
  path: '/v1/dfsps/{dfspId}/files',
  tags: ['DFSPs'],
  summary: 'Payment files sent to a bank that takes files, and the files read from it',
  description:
    'For an `iso20022-files` DFSP: the latest 200 `pain.001` payment files with their state, ' +
    'and the latest 200 files read from its inbox (`pain.002` status reports, statements, and ' +
    'files that could not be read, with the reason). Empty for other DFSPs.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('admin', 'operator', 'auditor')] as const,
  request: { params: DfspParamsSchema },
  responses: {
    200: { description: 'Newest first', content: { 'application/json': { schema: FilesSchema } } },
    ...problemResponses(400),
  },
});

/** `GET /v1/dfsps/{dfspId}/files`: what the file exchange with a bank sent and read. */
export function registerDfspFileRoutes(
  app: OpenAPIHono,
  deps: { readonly fileJournal: Pick<FileExchangeJournal, 'listFiles'> },
): void {
  app.openapi(listFiles, async (c) => {
    const { dfspId } = c.req.valid('param');
    const { sent, received } = await deps.fileJournal.listFiles(dfspId, 200);
    return c.json(
      {
        sent: sent.map(({ dfspId: _, changedAt, ...file }) => ({
          ...file,
          changedAt: changedAt.toISOString(),
        })),
        received: received.map(({ dfspId: _, receivedAt, ...file }) => ({
          ...file,
          receivedAt: receivedAt.toISOString(),
        })),
      },
      200,
    );
  });
}
