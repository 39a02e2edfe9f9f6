import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { ReadModelQueries } from '../../application/readModels.js';
import { DomainError } from '../../domain/domainError.js';
import { requireRoles } from '../auth.js';
import { commandContext } from '../requestContext.js';
import {
  AddedPaymentsSchema,
  AddPaymentsBodySchema,
  AmendBatchBodySchema,
  BatchListQuerySchema,
  BatchOpenedSchema,
  BatchPageSchema,
  BatchParamsSchema,
  BatchSummarySchema,
  OpenBatchBodySchema,
} from '../schemas/batches.js';
import { BEARER_SECURITY, problemResponses, ReasonBodySchema } from '../schemas/common.js';
import { withoutUndefined } from '../withoutUndefined.js';

/** Who may read batches: the approver must see what it releases (DESIGN.md, HTTP API v1). */
const BATCH_READERS = ['reporter', 'operator', 'approver', 'auditor'] as const;
const TAG = 'Batches';
const json = 'application/json';

const openBatch = createRoute({
  method: 'post',
  path: '/v1/batches',
  tags: [TAG],
  summary: 'Open a batch (operator)',
  description:
    'Answers the batch summary, or only `{batchId, status}` while the read model catches up. ' +
    'Repeating the request with the same `batchId` and body answers the same and records nothing.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: { body: { required: true, content: { [json]: { schema: OpenBatchBodySchema } } } },
  responses: {
    201: {
      description: 'Opened',
      content: { [json]: { schema: z.union([BatchSummarySchema, BatchOpenedSchema]) } },
    },
    ...problemResponses(400, 409, 413, 415),
  },
});

const addPayments = createRoute({
  method: 'post',
  path: '/v1/batches/{batchId}/payments',
  tags: [TAG],
  summary: 'Add up to 1,000 payments to an open batch (operator)',
  description:
    'The body may be up to 4 MiB. A reference added before with the same details is answered with its payment id and not added again.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: {
    params: BatchParamsSchema,
    body: { required: true, content: { [json]: { schema: AddPaymentsBodySchema } } },
  },
  responses: {
    200: {
      description: 'The payment id of every reference',
      content: { [json]: { schema: AddedPaymentsSchema } },
    },
    ...problemResponses(400, 404, 409, 413, 415, 422),
  },
});

const amendBatch = createRoute({
  method: 'patch',
  path: '/v1/batches/{batchId}',
  tags: [TAG],
  summary: "Amend an open batch's control totals (operator)",
  description:
    'Only while the batch is open, and never below what it has received. The schedule is kept ' +
    'when not given. Repeating the request records nothing.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: {
    params: BatchParamsSchema,
    body: { required: true, content: { [json]: { schema: AmendBatchBodySchema } } },
  },
  responses: {
    204: { description: 'Amended (or amended so already)' },
    ...problemResponses(400, 404, 409, 415),
  },
});

const batchAction = (
  action: 'submit' | 'approve',
  summary: string,
  role: 'operator' | 'approver',
) =>
  createRoute({
    method: 'post',
    path: `/v1/batches/{batchId}/${action}`,
    tags: [TAG],
    summary,
    security: BEARER_SECURITY,
    middleware: [requireRoles(role)] as const,
    request: { params: BatchParamsSchema },
    responses: {
      204: { description: 'Done (or done already)' },
      ...problemResponses(400, 404, 409, 422),
    },
  });

const submitBatch = batchAction(
  'submit',
  'Submit a batch whose control totals match (operator)',
  'operator',
);
const approveBatch = batchAction(
  'approve',
  'Approve a submitted batch; the approver must not be the submitter (approver)',
  'approver',
);

const cancelBatch = createRoute({
  method: 'post',
  path: '/v1/batches/{batchId}/cancel',
  tags: [TAG],
  summary: 'Cancel what has not been sent (operator)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: {
    params: BatchParamsSchema,
    body: { required: false, content: { [json]: { schema: ReasonBodySchema } } },
  },
  responses: {
    204: { description: 'Cancelled (or cancelled already)' },
    ...problemResponses(400, 404, 409, 415),
  },
});

const listBatches = createRoute({
  method: 'get',
  path: '/v1/batches',
  tags: [TAG],
  summary: 'Batches, newest first (reporter, operator, approver, auditor)',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...BATCH_READERS)] as const,
  request: { query: BatchListQuerySchema },
  responses: {
    200: { description: 'A page of batches', content: { [json]: { schema: BatchPageSchema } } },
    ...problemResponses(400),
  },
});

const getBatch = createRoute({
  method: 'get',
  path: '/v1/batches/{batchId}',
  tags: [TAG],
  summary: 'A batch summary (reporter, operator, approver, auditor)',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...BATCH_READERS)] as const,
  request: { params: BatchParamsSchema },
  responses: {
    200: { description: 'The batch', content: { [json]: { schema: BatchSummarySchema } } },
    ...problemResponses(400, 404),
  },
});

/** Opening, loading, approving, cancelling and reading batches (DESIGN.md, HTTP API v1). */
export function registerBatchRoutes(
  app: OpenAPIHono,
  deps: { readonly commands: LedgerCommands; readonly queries: ReadModelQueries },
): void {
  app.openapi(openBatch, async (c) => {
    const input = withoutUndefined(c.req.valid('json'));
    const { batchId } = await deps.commands.openBatch(input, commandContext(c));
    const summary = await deps.queries.getBatch(batchId);
    return c.json(summary ?? { batchId, status: 'open' as const }, 201);
  });

  app.openapi(addPayments, async (c) => {
    const { batchId } = c.req.valid('param');
    const payments = c.req.valid('json');
    try {
      const added = await deps.commands.addPayments(
        batchId,
        payments.map(withoutUndefined),
        commandContext(c),
      );
      return c.json(added, 200);
    } catch (error) {
      throw relativeToBody(error);
    }
  });

  app.openapi(amendBatch, async (c) => {
    const { batchId } = c.req.valid('param');
    const input = withoutUndefined(c.req.valid('json'));
    await deps.commands.amendBatch(batchId, input, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(submitBatch, async (c) => {
    await deps.commands.submitBatch(c.req.valid('param').batchId, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(approveBatch, async (c) => {
    await deps.commands.approveBatch(c.req.valid('param').batchId, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(cancelBatch, async (c) => {
    const { batchId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    await deps.commands.cancelBatch(batchId, reason, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(listBatches, async (c) => {
    const page = await deps.queries.listBatches(withoutUndefined(c.req.valid('query')));
    return c.json(page, 200);
  });

  app.openapi(getBatch, async (c) => {
    const { batchId } = c.req.valid('param');
    const summary = await deps.queries.getBatch(batchId);
    if (summary === undefined) {
      throw new DomainError('batch_not_found', `no batch ${batchId}`);
    }
    return c.json(summary, 200);
  });
}

/**
 * The command names a payment's field `payments[3].amount`; this body is the array itself, so
 * the problem names it as the client sent it: `[3].amount`, the form schema errors use too.
 */
function relativeToBody(error: unknown): unknown {
  if (!(error instanceof DomainError) || error.path[0] !== 'payments') return error;
  const strip = (path: readonly (string | number)[]) =>
    path[0] === 'payments' ? path.slice(1) : path;
  return new DomainError(
    error.code,
    error.message,
    strip(error.path),
    error.problems.map((problem) => ({ ...problem, path: strip(problem.path) })),
  );
}
