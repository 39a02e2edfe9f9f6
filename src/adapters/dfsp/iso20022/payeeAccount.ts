import { parseFinancialAddress } from '../../../domain/financialAddress.js';
import { isBic, isIban } from './identifiers.js';

/** `CdtrAcct/Id`: an IBAN, or another identifier (`Othr/Id`, Max34Text) with its scheme. */
export type PayeeAccount =
  | { readonly kind: 'iban'; readonly iban: string }
  | { readonly kind: 'other'; readonly id: string; readonly scheme?: string };

/** `CdtrAgt/FinInstnId`: a BIC, or the provider's name in the address (`Othr/Id`, Max35Text). */
export type PayeeAgent =
  | { readonly kind: 'bic'; readonly bic: string }
  | { readonly kind: 'other'; readonly id: string };

/** Where a payee's money goes, as `pain.001` says it. */
export interface PayeeRoute {
  readonly account: PayeeAccount;
  readonly agent?: PayeeAgent;
}

/** Why a financial address cannot be said in `pain.001`. */
export interface PayeeRouteProblem {
  readonly code: 'fa_malformed' | 'fa_not_iban' | 'fa_id_too_long';
  readonly message: string;
}

const MAX_OTHER_ACCOUNT_ID = 34;
const MAX_OTHER_AGENT_ID = 35;
const IBAN_TYPES = new Set(['iban', 'account']);

/**
 * The `CdtrAcct` and `CdtrAgt` of a payee's financial address (`type:id@provider`):
 *
 * | address | `CdtrAcct/Id` | `CdtrAgt/FinInstnId` |
 * | --- | --- | --- |
 * | `iban:DE89…@deutdeff`, `account:DE89…@bank-a` (a valid IBAN) | `IBAN` (upper case) | `BICFI` or `Othr/Id` |
 * | `account:100200300@bank-a` | `Othr/Id` | `Othr/Id` `bank-a` |
 * | `mobile:+254700000000@mpesa` | `Othr/Id` `+254700000000`, `SchmeNm/Prtry` `MOBILE` | `Othr/Id` `mpesa` |
 *
 * Any type other than `account` and `iban` is named in `SchmeNm/Prtry` (upper case), so the
 * bank can tell a wallet number from an account number. A provider shaped like a BIC with a real
 * country code becomes `BICFI`; another provider of up to 35 characters is passed as `Othr/Id`
 * (the name the programme and the bank agreed for it); a longer one is left out. Returns a
 * problem where the address cannot be said: unparseable (`fa_malformed`), an `iban:` address
 * whose id is no valid IBAN (`fa_not_iban`), an id longer than `Othr/Id`'s 34 characters
 * (`fa_id_too_long`).
 *
 * @example
 * payeeRouteOf('mobile:+254700000000@mpesa');
 * // { account: { kind: 'other', id: '+254700000000', scheme: 'MOBILE' },
 * //   agent: { kind: 'other', id: 'mpesa' } }
 */
export function payeeRouteOf(payeeFa: string): PayeeRoute | PayeeRouteProblem {
  let fa: ReturnType<typeof parseFinancialAddress>;
  try {
    fa = parseFinancialAddress(payeeFa);
  } catch (error) {
    return { code: 'fa_malformed', message: (error as Error).message };
  }
  const account = accountOf(fa.type, fa.id);
  if ('code' in account) return account;
  const agent = agentOf(fa.provider);
  return agent === undefined ? { account } : { account, agent };
}

function accountOf(type: string, id: string): PayeeAccount | PayeeRouteProblem {
  const upper = id.toUpperCase();
  if (IBAN_TYPES.has(type) && isIban(upper)) return { kind: 'iban', iban: upper };
  if (type === 'iban') {
    return { code: 'fa_not_iban', message: 'an "iban:" address must carry a valid IBAN' };
  }
  if (id.length > MAX_OTHER_ACCOUNT_ID) {
    return {
      code: 'fa_id_too_long',
      message: `pain.001 carries an account id of at most ${MAX_OTHER_ACCOUNT_ID} characters, got ${id.length}`,
    };
  }
  return type === 'account'
    ? { kind: 'other', id }
    : { kind: 'other', id, scheme: type.toUpperCase() };
}

function agentOf(provider: string): PayeeAgent | undefined {
  const upper = provider.toUpperCase();
  if (isBic(upper)) return { kind: 'bic', bic: upper };
  return provider.length <= MAX_OTHER_AGENT_ID ? { kind: 'other', id: provider } : undefined;
}
