import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { EventStore } from '../../application/eventStore.js';
import { optional } from '../../domain/optional.js';
import { requireRoles } from '../auth.js';
import { maskEvent, seesPersonalData } from '../personalData.js';
import { toEventJson } from '../recordedEvents.js';
import { BEARER_SECURITY, problemResponses } from '../schemas/common.js';
import {
  DEFAULT_FEED_PAGE,
  eventTypesOf,
  FeedPageSchema,
  FeedQuerySchema,
} from '../schemas/events.js';

const readFeed = createRoute({
  method: 'get',
  path: '/v1/events',
  tags: ['Events'],
  summary: 'The ordered global event feed (auditor, reporter)',
  description:
    'Pass `next` as `after` to continue. A page may hold fewer events than `limit` (or none) ' +
    'before the end; the feed is exhausted when a page holds no events and `next` equals `after`. ' +
    'A `reporter` gets every `payeeFa`, `payeeName`, `beneficiaryId`, `purpose` and `notes` in event data ' +
    'masked; an `auditor` gets them whole.',
  security: BEARER_SECURITY,
  middleware: [requireRoles('auditor', 'reporter')] as const,
  request: { query: FeedQuerySchema },
  responses: {
    200: {
      description: 'A page of the feed',
      content: { 'application/json': { schema: FeedPageSchema } },
    },
    ...problemResponses(400),
  },
});

/** The global event feed for replay and reporting tools (DESIGN.md, HTTP API v1). */
export function registerEventRoutes(app: OpenAPIHono, deps: { readonly events: EventStore }): void {
  app.openapi(readFeed, async (c) => {
    const query = c.req.valid('query');
    const after = query.after === undefined ? undefined : BigInt(query.after);
    const eventTypes = query.type === undefined ? undefined : eventTypesOf(query.type);
    const page = await deps.events.readAll({
      limit: query.limit ?? DEFAULT_FEED_PAGE,
      ...optional('after', after),
      ...(eventTypes === undefined || eventTypes.length === 0 ? {} : { filter: { eventTypes } }),
    });
    const next = page.next ?? page.events.at(-1)?.position ?? after ?? 0n;
    const whole = seesPersonalData(c.get('principal'));
    const shown = page.events.map((event) =>
      whole ? toEventJson(event) : maskEvent(toEventJson(event)),
    );
    return c.json({ events: shown, next: next.toString() }, 200);
  });
}
