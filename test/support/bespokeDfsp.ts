import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../src/simulator/rng.js';

/**
 * "Acme Pay": a DFSP API the ledger has never seen, written for the tests. Nothing in it is G2P
 * Connect: its own paths, field names and status vocabulary, OAuth2 client credentials with
 * short-lived tokens (a new token invalidates the old, as Daraja does), one payout per request,
 * `X-Hub-Signature-256` webhooks, and faults a real DFSP shows: refusals when busy, requests it
 * takes and never answers, declined payouts, lost and repeated webhooks.
 *
 *   POST /oauth/token                       (Basic client auth) → { access_token, expires_in }
 *   POST /v2/payouts                        { client_ref, beneficiary{account,bank}, money{value,currency}, webhook }
 *        → 201 { payout{ id, state: "received" } } · 409 duplicate_client_ref · 503 overloaded
 *   GET  /v2/payouts/by-ref/{client_ref}    → 200 { payout{ id, client_ref, state, decline_reason } } · 404
 *   webhook                                 { type: payout.completed|payout.declined, data{ client_ref, id, decline_reason } }
 */

export interface AcmeFaults {
  /** Share of payout requests refused with 503 before anything is taken. */
  readonly busyRate: number;
  /** Share of payout requests taken but never answered (the caller times out). */
  readonly silentRate: number;
  /** Share of payouts declined (`account_closed`). */
  readonly declineRate: number;
  /** Share of webhooks never sent, and of webhooks sent twice. */
  readonly lostWebhookRate: number;
  readonly duplicateWebhookRate: number;
}

export const NO_FAULTS: AcmeFaults = {
  busyRate: 0,
  silentRate: 0,
  declineRate: 0,
  lostWebhookRate: 0,
  duplicateWebhookRate: 0,
};

export interface AcmePay {
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Completed payouts: client_ref → amount, each at most once. */
  completed(): ReadonlyMap<string, string>;
  /** Payout requests that arrived, including repeats (a repeated client_ref is refused). */
  payoutRequests(): number;
  tokensIssued(): number;
  /** Payout requests refused for a missing, wrong or superseded token. */
  unauthorized(): number;
  close(): Promise<void>;
}

interface Payout {
  readonly id: string;
  readonly clientRef: string;
  readonly value: string;
  state: 'received' | 'completed' | 'declined';
  readonly declineReason?: string;
}

/** Starts Acme Pay on loopback; webhooks are signed with `webhookSecret`. */
export async function startAcmePay(options: {
  readonly webhookSecret: string;
  readonly faults?: AcmeFaults;
  readonly tokenLifetimeSeconds?: number;
  readonly seed?: number;
}): Promise<AcmePay> {
  const faults = options.faults ?? NO_FAULTS;
  const clientId = 'ledger-client';
  const clientSecret = 'acme-client-secret-0123456789';
  const payouts = new Map<string, Payout>();
  const timers = new Set<NodeJS.Timeout>();
  let random = createRng(options.seed ?? 7);
  let token = '';
  let tokenExpiresMs = 0;
  let tokensIssued = 0;
  let payoutRequests = 0;
  let unauthorized = 0;

  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  function issueToken(request: IncomingMessage, response: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      json(response, 401, { error: { type: 'invalid_client' } });
      return;
    }
    tokensIssued += 1;
    token = `acme-token-${tokensIssued}-${Math.floor(random() * 1e9)}`;
    const lifetime = options.tokenLifetimeSeconds ?? 3_600;
    tokenExpiresMs = Date.now() + lifetime * 1_000;
    json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime });
  }

  function authorised(request: IncomingMessage): boolean {
    return request.headers.authorization === `Bearer ${token}` && Date.now() < tokenExpiresMs;
  }

  function createPayout(body: Record<string, unknown>, response: ServerResponse): void {
    payoutRequests += 1;
    const clientRef = String(body.client_ref ?? '');
    const money = body.money as { value?: string; currency?: string } | undefined;
    const webhook = String(body.webhook ?? '');
    if (clientRef === '' || money?.value === undefined || !webhook.startsWith('http')) {
      json(response, 422, { error: { type: 'invalid_request' } });
      return;
    }
    if (payouts.has(clientRef)) {
      json(response, 409, { error: { type: 'duplicate_client_ref' } });
      return;
    }
    const roll = random();
    if (roll < faults.busyRate) {
      json(response, 503, { error: { type: 'overloaded' } });
      return;
    }
    const declined = random() < faults.declineRate;
    const payout: Payout = {
      id: `PO-${payouts.size + 1}`,
      clientRef,
      value: money.value,
      state: 'received',
      ...(declined ? { declineReason: 'account_closed' } : {}),
    };
    payouts.set(clientRef, payout);
    later(5 + Math.floor(random() * 30), () => settle(payout, webhook));
    if (roll < faults.busyRate + faults.silentRate) return; // taken, never answered
    json(response, 201, { payout: { id: payout.id, state: payout.state } });
  }

  function settle(payout: Payout, webhook: string): void {
    payout.state = payout.declineReason === undefined ? 'completed' : 'declined';
    if (random() < faults.lostWebhookRate) return;
    const event = {
      type: `payout.${payout.state}`,
      data: {
        client_ref: payout.clientRef,
        id: payout.id,
        ...(payout.declineReason === undefined ? {} : { decline_reason: payout.declineReason }),
      },
    };
    const copies = random() < faults.duplicateWebhookRate ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1)
      later(copy * 20, () => void deliver(webhook, event));
  }

  async function deliver(webhook: string, event: unknown): Promise<void> {
    const raw = JSON.stringify(event);
    const signature = createHmac('sha256', options.webhookSecret).update(raw).digest('hex');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      try {
        const answer = await fetch(webhook, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': `sha256=${signature}`,
          },
          body: raw,
        });
        if (answer.ok || answer.status === 400 || answer.status === 401) return;
      } catch {
        // The ledger is busy or restarting: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }

  function findPayout(clientRef: string, response: ServerResponse): void {
    const payout = payouts.get(clientRef);
    if (payout === undefined) {
      json(response, 404, { error: { type: 'not_found' } });
      return;
    }
    json(response, 200, {
      payout: {
        id: payout.id,
        client_ref: payout.clientRef,
        state: payout.state,
        ...(payout.state === 'declined' ? { decline_reason: payout.declineReason } : {}),
      },
    });
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://acme');
      if (request.method === 'POST' && url.pathname === '/oauth/token') {
        issueToken(request, response);
        return;
      }
      if (!authorised(request)) {
        unauthorized += 1;
        json(response, 401, { error: { type: 'invalid_token' } });
        return;
      }
      if (request.method === 'POST' && url.pathname === '/v2/payouts') {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          json(response, 400, { error: { type: 'malformed_json' } });
          return;
        }
        createPayout(body, response);
        return;
      }
      const byRef = /^\/v2\/payouts\/by-ref\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'GET' && byRef !== null) {
        findPayout(decodeURIComponent(byRef[1] ?? ''), response);
        return;
      }
      json(response, 404, { error: { type: 'no_route' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    clientId,
    clientSecret,
    completed: () =>
      new Map(
        [...payouts.values()]
          .filter((payout) => payout.state === 'completed')
          .map((payout) => [payout.clientRef, payout.value]),
      ),
    payoutRequests: () => payoutRequests,
    tokensIssued: () => tokensIssued,
    unauthorized: () => unauthorized,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      random = () => 1;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The mapping document that connects the ledger to Acme Pay: everything the ledger knows of it,
 * written as data (README, "Connecting a DFSP", shows the same document).
 */
export const ACME_MAPPING = {
  maxPaymentsPerRequest: 1,
  submit: {
    request: {
      method: 'POST',
      path: "'/v2/payouts'",
      body: `{
        "client_ref": payment.paymentId,
        "beneficiary": { "account": payment.payee.id, "bank": payment.payee.provider },
        "money": { "value": payment.amount, "currency": payment.currency },
        "webhook": callbackUrl
      }`,
    },
    outcome: `(
      $type := body.error.type;
      status = 201 ? { "outcome": "accepted", "dfspTransactionId": body.payout.id }
      : status = 409 and $type = "duplicate_client_ref" ? { "outcome": "accepted" }
      : status = 503 or status = 429
        ? { "outcome": "rejected", "code": "acme." & $type, "transient": true }
      : status >= 500 ? { "outcome": "unknown", "message": "HTTP " & status }
      : { "outcome": "rejected", "code": "acme." & ($type ? $type : status) }
    )`,
  },
  statusQuery: {
    request: {
      method: 'GET',
      path: "'/v2/payouts/by-ref/' & $encodeUrlComponent(payment.paymentId)",
    },
    reports: `
      status = 404 and body.error.type = "not_found"
        ? { "paymentId": payments[0].paymentId, "status": "not_held" }
      : status = 200 ? {
          "paymentId": body.payout.client_ref,
          "status": body.payout.state = "completed" ? "succeeded"
            : body.payout.state = "declined" ? "failed" : "pending",
          "reasonCode": body.payout.decline_reason ? "acme." & body.payout.decline_reason
        }
      : $error("status query answered HTTP " & status)`,
  },
  // Matched by Acme's own payout id alone, recorded when Acme took the payout (a webhook that
  // overtakes that answer is refused 503 and comes again).
  callback: {
    reports: `{
      "dfspTransactionId": body.data.id,
      "status": body.type = "payout.completed" ? "succeeded"
        : body.type = "payout.declined" ? "failed" : "pending",
      "reasonCode": body.data.decline_reason ? "acme." & body.data.decline_reason
    }`,
    answer: '{ "received": true }',
  },
} as const;

function json(response: ServerResponse, status: number, body: unknown): void {
  const raw = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(raw),
  });
  response.end(raw);
}
