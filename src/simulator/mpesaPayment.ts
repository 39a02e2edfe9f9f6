import { type PaymentPlan, pickReason } from './callbackPlan.js';
import type { B2cResultCode } from './mpesaMessages.js';
import type { B2cPaymentRequest } from './mpesaWire.js';

/** What the simulated M-Pesa holds about one B2C request it accepted. */
export interface MpesaPayment {
  request: B2cPaymentRequest;
  conversationId: string;
  /** The M-Pesa receipt; made up on acceptance, told only in results. */
  transactionId: string;
  initiatedAt: Date;
  /** Absent while pending. */
  decision?: { code: B2cResultCode; at: Date };
}

/** Per-transaction limits from Safaricom's FAQ (API.md §2, `Amount`). */
export const MIN_AMOUNT_KES = 10n;
export const MAX_AMOUNT_KES = 250_000n;

// Documented failures a random rejection picks from; SFC_IC0003 keeps a string code in play.
const randomFailures: readonly [B2cResultCode, ...B2cResultCode[]] = [2040, 1, 'SFC_IC0003'];

/**
 * Decides a B2C payment: the amount limits (ResultCode 2, 3), then the utility account's funds
 * (1), then the plan's random rejection; otherwise 0, paid. Pure.
 *
 * @example decideB2c(5n, { rejected: false, reasonDraw: 0 }, 100_000n) // 2: below the minimum
 */
export function decideB2c(
  amountKes: bigint,
  plan: Pick<PaymentPlan, 'rejected' | 'reasonDraw'>,
  availableMinor: bigint,
): B2cResultCode {
  if (amountKes < MIN_AMOUNT_KES) return 2;
  if (amountKes > MAX_AMOUNT_KES) return 3;
  if (amountKes * 100n > availableMinor) return 1;
  return plan.rejected ? pickReason(randomFailures, plan.reasonDraw) : 0;
}
