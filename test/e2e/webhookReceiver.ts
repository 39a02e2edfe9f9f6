import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { expect } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import { paymentDecider } from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import type { PaymentState } from '../../src/domain/paymentState.js';
import { eventually } from './support.js';

/** What the receiver does with a request: take it, answer 503, or not listen at all. */
export type ReceiverMode = 'ok' | '503' | 'down';

/** One message as received, its signature verified with the reference library. */
export interface ReceivedMessage {
  readonly webhookId: string;
  readonly type: string;
  readonly data: Record<string, string | null>;
  readonly body: string;
}

/**
 * A webhook subscriber on loopback that verifies every request with `standardwebhooks` (the
 * reference implementation of Standard Webhooks) and keeps what it took, in arrival order.
 * `down` closes the listener (connections are refused); `ok` and `503` listen on the same port.
 */
export async function startWebhookReceiver(secret: string) {
  const verifier = new Webhook(secret);
  const received: ReceivedMessage[] = [];
  const refusals: string[] = [];
  let answered503 = 0;
  let mode: ReceiverMode = 'ok';
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (mode === '503') {
        answered503 += 1;
        response.writeHead(503).end();
        return;
      }
      try {
        const parsed = verifier.verify(body, request.headers as Record<string, string>) as {
          type: string;
          data: Record<string, string | null>;
        };
        const webhookId = String(request.headers['webhook-id']);
        received.push({ webhookId, type: parsed.type, data: parsed.data, body });
        response.writeHead(204).end();
      } catch (error) {
        refusals.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    refusals,
    answered503: () => answered503,
    async setMode(next: ReceiverMode) {
      if (next === 'down' && server.listening) await close();
      if (next !== 'down' && !server.listening) {
        await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      }
      mode = next;
    },
    close: async () => {
      if (server.listening) await close();
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

/** Each payment's status changes as the feed holds them: positions, in order. */
export async function expectedStatusChanges(store: EventStore): Promise<Map<string, bigint[]>> {
  const states = new Map<string, PaymentState>();
  const changes = new Map<string, bigint[]>();
  let after = 0n;
  for (;;) {
    const page = await store.readAll({
      after,
      limit: 5_000,
      filter: { streamPrefixes: ['payment-'] },
    });
    for (const event of page.events) {
      const before = states.get(event.stream) ?? paymentDecider.initialState();
      const next = paymentDecider.evolve(before, event as unknown as PaymentEvent);
      states.set(event.stream, next);
      if (next.status !== before.status) {
        const paymentId = event.stream.slice('payment-'.length);
        changes.set(paymentId, [...(changes.get(paymentId) ?? []), event.position]);
      }
    }
    if (page.events.length === 0 && (page.next ?? after) === after) return changes;
    after = page.next ?? page.events.at(-1)?.position ?? after;
  }
}

/** Each payment's status messages in order of first arrival (duplicates left out). */
export function receivedPerPayment(receiver: WebhookReceiver): Map<string, bigint[]> {
  const seen = new Set<string>();
  const perPayment = new Map<string, bigint[]>();
  for (const message of receiver.received) {
    if (message.type !== 'payment.status_changed' || seen.has(message.webhookId)) continue;
    seen.add(message.webhookId);
    const paymentId = String(message.data.paymentId);
    perPayment.set(paymentId, [
      ...(perPayment.get(paymentId) ?? []),
      BigInt(String(message.data.position)),
    ]);
  }
  return perPayment;
}

/**
 * Waits until every status change of `expected` has been received, then checks each payment's
 * messages were first received in feed order, exactly the feed's changes, every signature valid.
 */
export async function expectEveryStatusChangeReceived(
  receiver: WebhookReceiver,
  expected: ReadonlyMap<string, readonly bigint[]>,
  timeoutMs: number,
): Promise<void> {
  await eventually(
    async () => {
      const received = receivedPerPayment(receiver);
      return [...expected].every(
        ([id, positions]) => received.get(id)?.length === positions.length,
      );
    },
    'every status change received',
    timeoutMs,
  );
  const received = receivedPerPayment(receiver);
  for (const [paymentId, positions] of expected) {
    expect(received.get(paymentId), paymentId).toEqual(positions);
  }
  expect(receiver.refusals).toEqual([]);
}
