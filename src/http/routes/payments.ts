import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { type EventStore, MAX_READ_COUNT } from '../../application/eventStore.js';
import type { LedgerCommands } from '../../application/ledgerCommands.js';
import type { PaymentView, ReadModelQueries } from '../../application/readModels.js';
import { DomainError } from '../../domain/domainError.js';
import { paymentStream } from '../../domain/paymentEvents.js';
import { requireRoles } from '../auth.js';
import { maskPayment, seesPersonalData } from '../personalData.js';
import { ProblemError, problem } from '../problems.js';
import { toEventJson } from '../recordedEvents.js';
import { commandContext } from '../requestContext.js';
import { BEARER_SECURITY, problemResponses, ReasonBodySchema } from '../schemas/common.js';
import { PaymentHistorySchema } from '../schemas/events.js';
import {
  PaymentListQuerySchema,
  PaymentPageSchema,
  PaymentParamsSchema,
  PaymentQuerySchema,
  PaymentStatusAnswerSchema,
  PaymentStatusQuerySchema,
  PaymentViewSchema,
  ResolutionAnswerSchema,
  ResolutionSchema,
} from '../schemas/payments.js';
import { withoutUndefined } from '../withoutUndefined.js';

const TAG = 'Payments';
/** Who may read payments; only a `reporter` among them sees personal data masked. */
const PAYMENT_READERS = ['reporter', 'operator', 'approver', 'auditor'] as const;
const json = 'application/json';

/** Folds a payment's events up to an instant (`GET /v1/payments/{id}?asOf=`). */
export type PaymentReplay = (paymentId: string, asOf: Date) => Promise<PaymentView | undefined>;

const getPayment = createRoute({
  method: 'get',
  path: '/v1/payments/{paymentId}',
  tags: [TAG],
  summary: 'A payment now, or as it was at `asOf` (reporter, operator, approver, auditor)',
  description:
    'A `reporter` sees `payeeFa`, `payeeName` and `beneficiaryId` masked ' +
    '(`account:****0300@bank-a`, `J*** D***`); `operator`, `approver` and `auditor` see them whole.',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...PAYMENT_READERS)] as const,
  request: { params: PaymentParamsSchema, query: PaymentQuerySchema },
  responses: {
    200: { description: 'The payment', content: { [json]: { schema: PaymentViewSchema } } },
    ...problemResponses(400, 404, 501),
  },
});

const listPayments = createRoute({
  method: 'get',
  path: '/v1/payments',
  tags: [TAG],
  summary:
    'Payments by batch, status or DFSP, keyset-paginated (reporter, operator, approver, auditor)',
  description: 'Personal data masked for a `reporter`, as in `GET /v1/payments/{paymentId}`.',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...PAYMENT_READERS)] as const,
  request: { query: PaymentListQuerySchema },
  responses: {
    200: { description: 'A page of payments', content: { [json]: { schema: PaymentPageSchema } } },
    ...problemResponses(400),
  },
});

const paymentStatuses = createRoute({
  method: 'post',
  path: '/v1/payments/status',
  tags: [TAG],
  summary:
    'Up to 1,000 payments at once, by id or by batch and reference (reporter, operator, approver, auditor)',
  description:
    'For programme systems that track many payments: each named by `paymentId`, or by ' +
    "`batchId` and the programme's `reference`, answered from the read model in one query. " +
    'Names no payment answers are listed in `notFound`. Personal data masked for a `reporter`.',
  security: BEARER_SECURITY,
  middleware: [requireRoles(...PAYMENT_READERS)] as const,
  request: {
    body: {
      required: true,
      content: { [json]: { schema: PaymentStatusQuerySchema } },
    },
  },
  responses: {
    200: {
      description: 'The payments found, in payment id order, and the names not found',
      content: { [json]: { schema: PaymentStatusAnswerSchema } },
    },
    ...problemResponses(400, 413, 415, 422),
  },
});

const cancelPayment = createRoute({
  method: 'post',
  path: '/v1/payments/{paymentId}/cancel',
  tags: [TAG],
  summary: 'Cancel a payment not yet sent (operator)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: {
    params: PaymentParamsSchema,
    body: { required: false, content: { [json]: { schema: ReasonBodySchema } } },
  },
  responses: {
    204: { description: 'Cancelled (or cancelled already)' },
    ...problemResponses(400, 404, 409, 415),
  },
});

const retryPayment = createRoute({
  method: 'post',
  path: '/v1/payments/{paymentId}/retry',
  tags: [TAG],
  summary: 'Send a failed payment again, routed afresh, under the same reference (operator)',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator')] as const,
  request: { params: PaymentParamsSchema },
  responses: {
    204: { description: 'Routed again (or unroutable under the rules in force)' },
    ...problemResponses(400, 404, 409),
  },
});

const resolvePayment = createRoute({
  method: 'post',
  path: '/v1/payments/{paymentId}/resolve',
  tags: [TAG],
  summary: 'Resolve a payment in doubt: an operator proposes, an approver confirms',
  description:
    'For a payment `submitted` whose sending has an unknown outcome (`inDoubt`), where its DFSP ' +
    'cannot be asked (the Mojaloop SDK makes up the transfer id) or has not said. An operator ' +
    'proposes the outcome with `evidence`; a second principal with the approver role confirms ' +
    'the same outcome, and only then is it applied. The payment is never sent again blindly.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('operator', 'approver')] as const,
  request: {
    params: PaymentParamsSchema,
    body: { required: true, content: { [json]: { schema: ResolutionSchema } } },
  },
  responses: {
    200: {
      description: 'Proposed, resolved, or unchanged (the same proposal again)',
      content: { [json]: { schema: ResolutionAnswerSchema } },
    },
    ...problemResponses(400, 403, 404, 409, 415, 422),
  },
});

const paymentHistory = createRoute({
  method: 'get',
  path: '/v1/payments/{paymentId}/events',
  tags: [TAG],
  summary: "A payment's full history, oldest first (auditor)",
  security: BEARER_SECURITY,
  middleware: [requireRoles('auditor')] as const,
  request: { params: PaymentParamsSchema },
  responses: {
    200: { description: 'Its events', content: { [json]: { schema: PaymentHistorySchema } } },
    ...problemResponses(400, 404),
  },
});

/** Reading, cancelling, retrying and auditing payments (DESIGN.md, HTTP API v1). */
export function registerPaymentRoutes(
  app: OpenAPIHono,
  deps: {
    readonly commands: LedgerCommands;
    readonly queries: ReadModelQueries;
    readonly events: EventStore;
    readonly replay?: PaymentReplay;
  },
): void {
  app.openapi(getPayment, async (c) => {
    const { paymentId } = c.req.valid('param');
    const { asOf } = c.req.valid('query');
    const payment =
      asOf === undefined
        ? await deps.queries.getPayment(paymentId)
        : await replayAt(deps.replay, paymentId, new Date(asOf));
    if (payment === undefined) {
      throw new DomainError(
        'payment_not_found',
        asOf === undefined ? `no payment ${paymentId}` : `no payment ${paymentId} at ${asOf}`,
      );
    }
    return c.json(seesPersonalData(c.get('principal')) ? payment : maskPayment(payment), 200);
  });

  app.openapi(listPayments, async (c) => {
    const page = await deps.queries.listPayments(withoutUndefined(c.req.valid('query')));
    if (seesPersonalData(c.get('principal'))) return c.json(page, 200);
    return c.json({ ...page, items: page.items.map(maskPayment) }, 200);
  });

  app.openapi(paymentStatuses, async (c) => {
    const { payments } = c.req.valid('json');
    const paymentIds = payments.flatMap((name) => ('paymentId' in name ? [name.paymentId] : []));
    const references = payments.flatMap((name) => ('reference' in name ? [name] : []));
    const found = await deps.queries.findPayments({ paymentIds, references });
    const ids = new Set(found.map((payment) => payment.paymentId));
    const refs = new Set(found.map((payment) => `${payment.batchId}\n${payment.reference}`));
    const notFound = payments.filter((name) =>
      'paymentId' in name
        ? !ids.has(name.paymentId)
        : !refs.has(`${name.batchId}\n${name.reference}`),
    );
    const items = seesPersonalData(c.get('principal')) ? found : found.map(maskPayment);
    return c.json({ items: [...items], notFound }, 200);
  });

  app.openapi(cancelPayment, async (c) => {
    const { paymentId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    await deps.commands.cancelPayment(paymentId, reason, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(retryPayment, async (c) => {
    const { paymentId } = c.req.valid('param');
    await deps.commands.retryPayment(paymentId, commandContext(c));
    return c.body(null, 204);
  });

  app.openapi(resolvePayment, async (c) => {
    const { paymentId } = c.req.valid('param');
    // requireRoles let it through: the principal is there.
    const roles = c.get('principal')?.roles ?? [];
    const { resolution } = await deps.commands.resolvePayment(
      paymentId,
      withoutUndefined(c.req.valid('json')),
      { propose: roles.includes('operator'), confirm: roles.includes('approver') },
      commandContext(c),
    );
    return c.json({ paymentId, resolution }, 200);
  });

  app.openapi(paymentHistory, async (c) => {
    const { paymentId } = c.req.valid('param');
    const events = await deps.events.readStream(paymentStream(paymentId), {
      maxCount: MAX_READ_COUNT,
    });
    // Before approval a payment is a line of its batch with no stream of its own yet.
    if (events.length === 0 && (await deps.queries.getPayment(paymentId)) === undefined) {
      throw new DomainError('payment_not_found', `no payment ${paymentId}`);
    }
    return c.json({ events: events.map(toEventJson) }, 200);
  });
}

async function replayAt(
  replay: PaymentReplay | undefined,
  paymentId: string,
  asOf: Date,
): Promise<PaymentView | undefined> {
  if (replay === undefined) {
    throw new ProblemError(
      problem('as_of_unavailable', 501, 'this deployment cannot replay a payment to an instant'),
    );
  }
  return replay(paymentId, asOf);
}
