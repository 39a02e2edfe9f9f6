import { assertNever } from './assertNever.js';
import { sameJson } from './canonicalJson.js';
import type { DfspEvent, DfspProfile } from './dfspEvents.js';
import { DomainError, withPath } from './domainError.js';
import { parseFinancialAddress } from './financialAddress.js';
import { isKnownCurrency, parseAmount } from './money.js';
import { optional } from './optional.js';

export type DfspCommand =
  | { readonly type: 'RegisterDfsp'; readonly profile: DfspProfile; readonly by: string }
  | { readonly type: 'SuspendDfsp'; readonly by: string; readonly reason?: string }
  | { readonly type: 'ResumeDfsp'; readonly by: string }
  | {
      readonly type: 'RecordHealth';
      readonly health: 'healthy' | 'unhealthy';
      readonly reason: string;
    };

export interface DfspState {
  readonly profile?: DfspProfile;
  readonly suspended: boolean;
  readonly health: 'healthy' | 'unhealthy';
}

/**
 * The DFSP decider: registration, changes, and taking a DFSP out of routing and back. Registering
 * the same profile again changes nothing.
 *
 * @example
 * dfspDecider.decide({ type: 'SuspendDfsp', by: 'user:admin' }, state);
 */
export const dfspDecider = {
  initialState(): DfspState {
    return { suspended: false, health: 'healthy' };
  },

  evolve(state: DfspState, event: DfspEvent): DfspState {
    switch (event.type) {
      case 'DfspRegistered':
      case 'DfspUpdated': {
        const { by: _by, ...profile } = event.data;
        return { ...state, profile };
      }
      case 'DfspSuspended':
        return { ...state, suspended: true };
      case 'DfspResumed':
        return { ...state, suspended: false };
      case 'DfspHealthChanged':
        return { ...state, health: event.data.health };
      default:
        return assertNever(event);
    }
  },

  decide(command: DfspCommand, state: DfspState): DfspEvent[] {
    switch (command.type) {
      case 'RegisterDfsp': {
        const profile = checkProfile(command.profile);
        if (state.profile === undefined) {
          return [{ type: 'DfspRegistered', data: { ...profile, by: command.by } }];
        }
        if (sameJson(state.profile, profile)) return [];
        return [{ type: 'DfspUpdated', data: { ...profile, by: command.by } }];
      }
      case 'SuspendDfsp': {
        const { dfspId } = requireRegistered(state);
        if (state.suspended) return [];
        const reason = optional('reason', command.reason);
        return [{ type: 'DfspSuspended', data: { dfspId, by: command.by, ...reason } }];
      }
      case 'ResumeDfsp': {
        const { dfspId } = requireRegistered(state);
        if (!state.suspended) return [];
        return [{ type: 'DfspResumed', data: { dfspId, by: command.by } }];
      }
      case 'RecordHealth': {
        const { dfspId } = requireRegistered(state);
        if (state.health === command.health) return [];
        const { health, reason } = command;
        return [{ type: 'DfspHealthChanged', data: { dfspId, health, reason } }];
      }
      default:
        return assertNever(command);
    }
  },
};

/**
 * Checks what a schema cannot: known currencies, a payer address, a maximum every currency can
 * express.
 */
function checkProfile(profile: DfspProfile): DfspProfile {
  checkConnection(profile);
  profile.currencies.forEach((currency, index) => {
    if (!isKnownCurrency(currency)) {
      throw new DomainError('unknown_currency', `unknown currency ${currency}`, [
        'currencies',
        index,
      ]);
    }
  });
  const payerFa = withPath(['payerFa'], () => parseFinancialAddress(profile.payerFa)).normalized;
  const { maxAmount } = profile;
  if (maxAmount !== undefined) {
    for (const currency of profile.currencies) {
      withPath(['maxAmount'], () => parseAmount(maxAmount, currency));
    }
  }
  const faTypes = [...new Set(profile.faTypes.map((type) => type.toLowerCase()))];
  return { ...profile, payerFa, faTypes, currencies: [...new Set(profile.currencies)] };
}

/** A G2P Connect DFSP has no mapping; a mapped one has exactly one: a profile or its own. */
function checkConnection(profile: DfspProfile): void {
  const mapped = profile.connector === 'mapped-http';
  if (!mapped && (profile.profile !== undefined || profile.mapping !== undefined)) {
    throw new DomainError(
      'invalid_dfsp',
      'a g2p-connect DFSP takes no profile or mapping',
      profile.profile === undefined ? ['mapping'] : ['profile'],
    );
  }
  if (mapped && (profile.profile === undefined) === (profile.mapping === undefined)) {
    throw new DomainError(
      'invalid_dfsp',
      'a mapped-http DFSP needs either a profile or a mapping, not both',
      ['mapping'],
    );
  }
  if (!mapped && profile.callbackVerification !== undefined) {
    if (profile.callbackVerification.kind !== 'x-signature') {
      throw new DomainError('invalid_dfsp', 'G2P Connect callbacks are verified by X-Signature', [
        'callbackVerification',
        'kind',
      ]);
    }
  }
}

function requireRegistered(state: DfspState): DfspProfile {
  if (state.profile === undefined) throw new DomainError('dfsp_not_found', 'no such DFSP');
  return state.profile;
}
