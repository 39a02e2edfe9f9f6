import type { DfspState } from '../domain/dfspDecider.js';
import { parseFinancialAddress } from '../domain/financialAddress.js';
import { parseAmount } from '../domain/money.js';
import { optional } from '../domain/optional.js';
import {
  type DfspForRouting,
  type PaymentForRouting,
  type RoutingDecision,
  routePayment,
} from '../domain/routing.js';
import { toRoutingRuleSet } from '../domain/routingRulesDecider.js';
import {
  dfspIdsNamedIn,
  type PublishedRule,
  ROUTING_RULES_STREAM,
} from '../domain/routingRulesEvents.js';
import type { LedgerStreams } from './ledgerStreams.js';

/** What a payment needs to be routed: its amount, currency, payee address and programme. */
export interface RoutablePayment {
  readonly paymentId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Absent when the beneficiary id was never resolved to an address: unroutable. */
  readonly payeeFa?: string | undefined;
  readonly region?: string | undefined;
  readonly programId: string;
  readonly attributes?: Readonly<Record<string, string>> | undefined;
}

export interface RoutingContext {
  readonly version: number;
  readonly rules: readonly PublishedRule[];
  route(payment: RoutablePayment): RoutingDecision;
}

/**
 * The rules in force and the current state of every DFSP they name, read from the event log (not
 * a read model, so a DFSP suspended a moment ago is already out of routing). Load it once for a
 * batch of payments: it is a snapshot.
 */
export async function loadRoutingContext(
  streams: Pick<LedgerStreams, 'routingRules' | 'dfsps'>,
): Promise<RoutingContext> {
  const { state: rules } = await streams.routingRules.load(ROUTING_RULES_STREAM);
  const { ruleSet } = toRoutingRuleSet(rules.rules, rules.version);
  const named = dfspIdsNamedIn(rules.rules);
  const states = new Map<string, DfspState>();
  await Promise.all(
    [...named].map(async (dfspId) => {
      const { state } = await streams.dfsps.load(dfspId);
      if (state.profile !== undefined) states.set(dfspId, state);
    }),
  );
  const byCurrency = new Map<string, ReadonlyMap<string, DfspForRouting>>();
  const dfspsFor = (currency: string) => {
    let dfsps = byCurrency.get(currency);
    if (dfsps === undefined) {
      dfsps = new Map(
        [...states].map(([dfspId, state]) => [dfspId, forRouting(dfspId, state, currency)]),
      );
      byCurrency.set(currency, dfsps);
    }
    return dfsps;
  };
  return {
    version: rules.version,
    rules: rules.rules,
    route(payment) {
      if (payment.payeeFa === undefined) {
        const reason = `beneficiary id not resolved to a financial address`;
        return { outcome: 'unroutable', reason, rulesVersion: rules.version };
      }
      const fa = parseFinancialAddress(payment.payeeFa);
      const routable: PaymentForRouting = {
        paymentId: payment.paymentId,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        faType: fa.type,
        faProvider: fa.provider,
        programId: payment.programId,
        attributes: payment.attributes ?? {},
        ...optional('region', payment.region),
      };
      return routePayment(routable, ruleSet, dfspsFor(payment.currency));
    },
  };
}

function forRouting(dfspId: string, state: DfspState, currency: string): DfspForRouting {
  const profile = state.profile;
  const supports = profile?.currencies.includes(currency) ?? false;
  const maxAmount =
    supports && profile?.maxAmount !== undefined
      ? tryParse(profile.maxAmount, currency)
      : undefined;
  return {
    dfspId,
    suspended: state.suspended,
    healthy: state.health === 'healthy',
    currencies: profile?.currencies ?? [],
    faTypes: profile?.faTypes ?? [],
    ...optional('maxAmountMinor', maxAmount),
  };
}

function tryParse(amount: string, currency: string): bigint | undefined {
  try {
    return parseAmount(amount, currency);
  } catch {
    // Registration checked the maximum against every currency the DFSP supports.
    return undefined;
  }
}
