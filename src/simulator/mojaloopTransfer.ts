import { minorUnitsOf } from '../domain/money.js';
import { type PaymentPlan, pickReason } from './callbackPlan.js';
import type { TransferRequest } from './mojaloopWire.js';
import { decimalToMinor } from './statement.js';

/** Where in the SDK's three stages (party lookup, quote, transfer) a transfer failed. */
export type TransferStage = 'lookup' | 'quote' | 'transfer';

/** A Mojaloop API error a transfer ended with (`lastError.mojaloopError.errorInformation`). */
export interface TransferRejection {
  errorCode: '3100' | '3204' | '5101' | '5104';
  errorDescription: string;
  /** A failure before the `transfer` stage never reached the hub: it holds no such transfer. */
  stage: TransferStage;
}

/** What the simulated SDK holds about one transfer it ran to its end. */
export interface MojaloopTransfer {
  /** Made up by the SDK (a lowercase UUID here; ULID by default in the real SDK). */
  transferId: string;
  request: TransferRequest;
  /** Absent when the transfer failed at party lookup, before any quote. */
  quoteId?: string;
  completedAt: Date;
  outcome:
    | { kind: 'committed'; fulfilment: string }
    | { kind: 'failed'; rejection: TransferRejection };
}

const invalidAmount: TransferRejection = {
  errorCode: '3100',
  errorDescription: 'Generic validation error',
  stage: 'quote',
};

// FSPIOP errors a random rejection picks from, one per stage.
const randomRejections: readonly [TransferRejection, ...TransferRejection[]] = [
  { errorCode: '3204', errorDescription: 'Party not found', stage: 'lookup' },
  { errorCode: '5101', errorDescription: 'Payee rejected quote', stage: 'quote' },
  { errorCode: '5104', errorDescription: 'Payee rejected transaction', stage: 'transfer' },
];

/**
 * Decides a transfer: an amount that is zero or finer than its currency's minor unit fails the
 * quote with 3100 (the amount's pattern itself was checked as a 400); then the plan's random
 * rejection; otherwise null, committed. Pure.
 *
 * @example decideTransfer({ ...request, amount: '10.005', currency: 'KES' }, plan) // 3100
 */
export function decideTransfer(
  request: Pick<TransferRequest, 'amount' | 'currency'>,
  plan: Pick<PaymentPlan, 'rejected' | 'reasonDraw'>,
): TransferRejection | null {
  const decimals = minorUnitsOf(request.currency);
  const minor = decimals === undefined ? undefined : decimalToMinor(request.amount, decimals);
  if (minor === undefined || minor === 0n) return invalidAmount;
  return plan.rejected ? pickReason(randomRejections, plan.reasonDraw) : null;
}
