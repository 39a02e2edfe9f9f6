import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ulid } from 'ulid';
import { z } from 'zod';
import { G2P_CONNECT_VERSION } from '../adapters/dfsp/g2pConnectMessages.js';
import { MAX_IDS_PER_RESOLUTION } from '../application/idMapper.js';
import { describeIssues, readJson } from './requestBody.js';

/** Options of `startIdMapperSimulator`. */
export interface IdMapperSimulatorOptions {
  /** The financial address each known beneficiary id resolves to. */
  readonly accounts: ReadonlyMap<string, string>;
  /** When set, every request must carry `Authorization: Bearer <bearerToken>`. */
  readonly bearerToken?: string;
  /** Port on 127.0.0.1; any free one by default. */
  readonly port?: number;
}

/** A running simulated ID mapper. */
export interface RunningIdMapperSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4100`; `/mapper/sync/resolve` hangs under it. */
  readonly url: string;
  /** Resolve requests received so far, answered or refused. */
  requests(): number;
  /** Every id answered with an address so far, in order. */
  resolvedIds(): readonly string[];
  /** The last JSON body received on the resolve path, as sent; undefined before one. */
  lastRequest(): unknown;
  /** While down, every request is answered HTTP 503. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;
const MAX_ID_LENGTH = 256;
const isoTimestamp = z.iso.datetime({ offset: true });

const resolveRequestSchema = z
  .object({
    header: z.object({
      version: z.literal(G2P_CONNECT_VERSION).optional(),
      message_id: z.string().min(1).max(99),
      message_ts: isoTimestamp,
      action: z.literal('resolve'),
      sender_id: z.string().min(1).max(256),
      total_count: z.number().int().min(1).max(MAX_IDS_PER_RESOLUTION),
      is_msg_encrypted: z.literal(false).optional(),
    }),
    message: z.object({
      transaction_id: z.string().min(1).max(99),
      resolve_request: z
        .array(
          z.object({
            reference_id: z.string().min(1).max(256),
            timestamp: isoTimestamp,
            // Any text: an id the mapper cannot hold is its item's `rjct`, not a bad request.
            id: z.string().max(10_000),
            scope: z.enum(['yes_no', 'details']).default('yes_no'),
          }),
        )
        .min(1)
        .max(MAX_IDS_PER_RESOLUTION),
    }),
  })
  .refine((body) => body.header.total_count === body.message.resolve_request.length, {
    message: 'total_count must be the number of resolve_request items',
    path: ['header', 'total_count'],
  });

type ResolveItem = z.infer<typeof resolveRequestSchema>['message']['resolve_request'][number];

/**
 * Starts a simulated G2P Connect ID-account mapper on real HTTP (127.0.0.1), answering
 * `POST /mapper/sync/resolve` as the mapper API v1.0.0 describes: an id in `accounts` → `succ`
 * with its `fa` and `account_provider_info` (`code` is the provider after `@`); an unknown id →
 * `succ` `succ.id.not_found` without an address; an empty id or one over 256 characters → `rjct`
 * `rjct.id.invalid`; `scope: yes_no` (the spec's default) → `succ.id.active` without an address.
 * A body that is not a resolve request is HTTP 400, a missing or wrong bearer token (when one is
 * set) 401, and everything while `setDown(true)` 503, each with an `HttpErrorResponse` body.
 *
 * @example
 * const mapper = await startIdMapperSimulator({ accounts: new Map([['NID-1', 'account:1@bank-a']]) });
 * // POST `${mapper.url}/mapper/sync/resolve` …
 * await mapper.close();
 */
export async function startIdMapperSimulator(
  options: IdMapperSimulatorOptions,
): Promise<RunningIdMapperSimulator> {
  let down = false;
  let requests = 0;
  let lastRequest: unknown;
  const resolvedIds: string[] = [];
  const refuse = (c: Context, status: 400 | 401 | 413 | 503, code: string, message: string) =>
    c.json({ errors: [{ code, message }] }, status);

  const app = new Hono();
  app.use(
    '/mapper/*',
    async function count(_c, next) {
      requests += 1;
      await next();
    },
    async function downtime(c, next) {
      if (down) return refuse(c, 503, 'err.service.unavailable', 'the mapper is down (simulated)');
      await next();
    },
    async function bearer(c, next) {
      const expected = options.bearerToken;
      if (expected !== undefined && c.req.header('authorization') !== `Bearer ${expected}`) {
        return refuse(c, 401, 'err.request.unauthorized', 'missing or wrong bearer token');
      }
      await next();
    },
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => refuse(c, 413, 'err.request.bad', `body over ${MAX_BODY_BYTES} bytes`),
    }),
  );

  app.post('/mapper/sync/resolve', async (c) => {
    const raw = await readJson(c);
    if (!raw.ok) return refuse(c, 400, 'err.request.bad', 'the body is not JSON');
    lastRequest = raw.value;
    const parsed = resolveRequestSchema.safeParse(raw.value);
    if (!parsed.success) return refuse(c, 400, 'err.request.bad', describeIssues(parsed.error));
    const { header, message } = parsed.data;
    const items = message.resolve_request.map((item) => answerItem(item, options.accounts));
    for (const item of items) {
      if (item.fa !== undefined && item.id !== undefined) resolvedIds.push(item.id);
    }
    return c.json({
      header: {
        version: G2P_CONNECT_VERSION,
        message_id: ulid(),
        message_ts: new Date().toISOString(),
        action: 'on-resolve',
        status: 'succ',
        total_count: items.length,
        completed_count: items.length,
        sender_id: 'id-mapper.simulator',
        receiver_id: header.sender_id,
        is_msg_encrypted: false,
      },
      message: {
        transaction_id: message.transaction_id,
        correlation_id: ulid(),
        resolve_response: items,
      },
    });
  });

  return serve(app, options.port ?? 0, {
    requests: () => requests,
    resolvedIds: () => [...resolvedIds],
    lastRequest: () => lastRequest,
    setDown: (value) => {
      down = value;
    },
  });
}

/** A `resolve_response` item as the simulator writes it. */
interface AnswerItem {
  readonly reference_id: string;
  readonly timestamp: string;
  readonly id?: string;
  readonly fa?: string;
  readonly account_provider_info?: { readonly name: string; readonly code: string };
  readonly status: 'succ' | 'rjct';
  readonly status_reason_code: string;
  readonly status_reason_message?: string;
}

/** The `resolve_response` item for one asked id. */
function answerItem(item: ResolveItem, accounts: ReadonlyMap<string, string>): AnswerItem {
  const answer = { reference_id: item.reference_id, timestamp: new Date().toISOString() };
  if (item.id === '' || item.id.length > MAX_ID_LENGTH) {
    return {
      ...answer,
      status: 'rjct',
      status_reason_code: 'rjct.id.invalid',
      status_reason_message: `an id has 1 to ${MAX_ID_LENGTH} characters`,
    };
  }
  const known = { ...answer, id: item.id, status: 'succ' as const };
  const fa = accounts.get(item.id);
  if (fa === undefined) {
    return {
      ...known,
      status_reason_code: 'succ.id.not_found',
      status_reason_message: 'no account linked',
    };
  }
  if (item.scope === 'yes_no') return { ...known, status_reason_code: 'succ.id.active' };
  const code = fa.slice(fa.lastIndexOf('@') + 1);
  return {
    ...known,
    fa,
    account_provider_info: { name: `Simulated provider ${code}`, code },
    status_reason_code: 'succ.id.active',
  };
}

type Controls = Omit<RunningIdMapperSimulator, 'url' | 'close'>;

/** Serves `app` on 127.0.0.1:`port` as the DFSP simulator does. */
async function serve(
  app: Hono,
  port: number,
  controls: Controls,
): Promise<RunningIdMapperSimulator> {
  const server = createServer(getRequestListener(app.fetch));
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('id mapper simulator: server is not listening on a TCP port');
  }
  let closing: Promise<void> | undefined;
  return {
    ...controls,
    url: `http://127.0.0.1:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
