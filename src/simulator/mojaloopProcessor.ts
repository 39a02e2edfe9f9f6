import { randomBytes, randomUUID } from 'node:crypto';
import { abortableSleep } from '../application/abortableSleep.js';
import { type PaymentPlan, planPayment } from './callbackPlan.js';
import { decideTransfer, type MojaloopTransfer } from './mojaloopTransfer.js';
import type { TransferParty, TransferRequest } from './mojaloopWire.js';
import type { SimulatorConfig } from './options.js';
import {
  createReferenceBook,
  type LedgerEntry,
  type ReceivedDisbursement,
} from './referenceBook.js';
import { createRng } from './rng.js';

/** The end of a `POST /transfers`: the transfer (and whether its answer is lost), or refused. */
export type SubmitResult =
  | { ok: true; transfer: MojaloopTransfer; answerLost: boolean }
  | { ok: false; reason: 'busy' | 'closed' };

/** The simulated SDK with a hub and payee behind it, auto-accepting party and quote. */
export interface MojaloopProcessor {
  /**
   * Runs a transfer to its end after the planned delay, whatever the caller does meanwhile. A
   * `homeTransactionId` already submitted gets that transfer again, once it has ended: nothing is
   * paid twice. (The real SDK does not de-duplicate it and would start a new transfer.)
   */
  submit(request: TransferRequest): Promise<SubmitResult>;
  /** A transfer run to its end, by its id. */
  find(transferId: string): MojaloopTransfer | undefined;
  ledger(): readonly LedgerEntry[];
  /** Ends waiting transfers undecided (answered `closed`). */
  close(): void;
}

/**
 * A processor over an empty book, seeded from `config.seed`. Each transfer is planned with
 * `planPayment` on arrival: its latency is how long the POST blocks (`outOfOrder` adds
 * `outOfOrderDelayMs`, so later answers overtake it), `lost` means the answer is lost after the
 * transfer ended (the connection is cut), and `duplicated` has no effect: a synchronous answer
 * cannot be sent twice.
 */
export function createMojaloopProcessor(
  config: SimulatorConfig,
  now: () => Date,
): MojaloopProcessor {
  const book = createReferenceBook();
  const rng = createRng(config.seed);
  const stop = new AbortController();
  const byHome = new Map<string, Promise<MojaloopTransfer | undefined>>();
  const byId = new Map<string, MojaloopTransfer>();
  let inFlight = 0;

  async function run(request: TransferRequest, plan: PaymentPlan) {
    const transferId = randomUUID();
    inFlight += 1;
    try {
      await abortableSleep(plan.callback.delayMs, stop.signal);
      if (stop.signal.aborted) return undefined;
      const rejection = decideTransfer(request, plan);
      const completedAt = now();
      const home = request.homeTransactionId;
      const reachedQuote = rejection === null || rejection.stage !== 'lookup';
      const transfer: MojaloopTransfer = {
        transferId,
        request,
        ...(reachedQuote ? { quoteId: randomUUID() } : {}),
        completedAt,
        outcome:
          rejection === null
            ? { kind: 'committed', fulfilment: randomBytes(32).toString('base64url') }
            : { kind: 'failed', rejection },
      };
      book.settle(
        home,
        rejection === null
          ? { status: 'succ' }
          : { status: 'rjct', message: `Mojaloop error ${rejection.errorCode}` },
        completedAt,
      );
      byId.set(transferId, transfer);
      return transfer;
    } finally {
      inFlight -= 1;
    }
  }

  return {
    async submit(request) {
      if (stop.signal.aborted) return { ok: false, reason: 'closed' };
      const earlier = byHome.get(request.homeTransactionId);
      if (earlier !== undefined) {
        const transfer = await earlier;
        return transfer === undefined
          ? { ok: false, reason: 'closed' }
          : { ok: true, transfer, answerLost: false };
      }
      if (inFlight >= config.maxPendingCallbacks || byHome.size >= config.maxReferences) {
        return { ok: false, reason: 'busy' };
      }
      const plan = planPayment(rng, config);
      book.receive(request.homeTransactionId, received(request), now());
      const running = run(request, plan);
      byHome.set(request.homeTransactionId, running);
      const transfer = await running;
      if (transfer === undefined) return { ok: false, reason: 'closed' };
      return { ok: true, transfer, answerLost: plan.callback.copies === 0 };
    },
    find: (transferId) => byId.get(transferId),
    ledger: () => book.ledger(),
    close: () => stop.abort(),
  };
}

/** What the book keeps of a transfer: parties as `idType:idValue`. */
function received(request: TransferRequest): ReceivedDisbursement {
  const entry: ReceivedDisbursement = {
    amount: request.amount,
    currency: request.currency,
    payerFa: address(request.from),
    payeeFa: address(request.to),
  };
  const name =
    request.to.displayName ??
    [request.to.firstName, request.to.lastName].filter((part) => part !== undefined).join(' ');
  if (name !== '') entry.payeeName = name;
  return entry;
}

function address(party: TransferParty): string {
  return `${party.idType}:${party.idValue}`;
}
