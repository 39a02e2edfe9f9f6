import { G2P_FINANCIAL_ADDRESS } from '../adapters/dfsp/g2pConnectMessages.js';
import type { Disbursement, DisburseStatusReasonCode } from './wireSchemas.js';

// Amount (spec): `^\d{1,13}\.\d{1,2}$`. Widened to 0–3 decimals: the spec's pattern cannot
// express three-decimal currencies (SOURCE.md, known defects).
const amountPattern = /^\d{1,13}(\.\d{1,3})?$/;
const currencyPattern = /^[A-Z]{3}$/;

/** Why a disbursement cannot be paid as sent. */
export interface CheckFailure {
  code: DisburseStatusReasonCode;
  message: string;
}

/**
 * The business checks a DFSP makes before paying: null when the disbursement is payable, else
 * the spec reason code to reject it with. Pure.
 */
export function checkDisbursement(d: Disbursement): CheckFailure | null {
  if (!amountPattern.test(d.amount) || /^0+(\.0+)?$/.test(d.amount)) {
    return { code: 'rjct.amount.invalid', message: 'amount must be a positive decimal string' };
  }
  if (d.currency_code === undefined || !currencyPattern.test(d.currency_code)) {
    return { code: 'rjct.currency_code.invalid', message: 'currency_code must be ISO 4217' };
  }
  if (!G2P_FINANCIAL_ADDRESS.test(d.payer_fa)) {
    return { code: 'rjct.payer_fa.invalid', message: 'payer_fa is not a financial address' };
  }
  if (!G2P_FINANCIAL_ADDRESS.test(d.payee_fa)) {
    return { code: 'rjct.payee_fa.invalid', message: 'payee_fa is not a financial address' };
  }
  return null;
}
