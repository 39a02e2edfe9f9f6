import { sameJson } from './canonicalJson.js';
import { DomainError, type DomainProblem } from './domainError.js';
import { parseAmount } from './money.js';
import { optional } from './optional.js';
import type { RoutingRule, RoutingRuleSet } from './routingRules.js';
import { validateRuleSet } from './routingRules.js';
import type { PublishedRule, RoutingRulesEvent } from './routingRulesEvents.js';

export type RoutingRulesCommand = {
  readonly type: 'PublishRules';
  readonly rules: readonly PublishedRule[];
  readonly by: string;
  /** The DFSPs registered now: a rule may only name these. */
  readonly knownDfspIds: ReadonlySet<string>;
};

export interface RoutingRulesState {
  /** 0 before the first publication. */
  readonly version: number;
  readonly rules: readonly PublishedRule[];
}

/**
 * The routing-rules decider: each publication replaces the whole rule set and gets the next
 * version. Publishing the set in force again changes nothing and keeps its version.
 *
 * @example
 * routingRulesDecider.decide(
 *   { type: 'PublishRules', rules, by: 'user:admin', knownDfspIds },
 *   state,
 * );
 */
export const routingRulesDecider = {
  initialState(): RoutingRulesState {
    return { version: 0, rules: [] };
  },

  evolve(_state: RoutingRulesState, event: RoutingRulesEvent): RoutingRulesState {
    return { version: event.data.version, rules: event.data.rules };
  },

  decide(command: RoutingRulesCommand, state: RoutingRulesState): RoutingRulesEvent[] {
    const { ruleSet, problems } = toRoutingRuleSet(command.rules, 0);
    const ruleProblems = validateRuleSet(ruleSet.rules, command.knownDfspIds);
    const all: DomainProblem[] = [...problems, ...ruleProblems];
    if (all.length > 0) {
      const first = all[0];
      const counted = `the rule set has ${all.length} problem${all.length === 1 ? '' : 's'}`;
      throw new DomainError(
        'invalid_rules',
        `${counted}${first ? `, first: ${first.message}` : ''}`,
        first?.path ?? ['rules'],
        all,
      );
    }
    if (state.version > 0 && sameJson(state.rules, command.rules)) return [];
    return [
      {
        type: 'RoutingRulesPublished',
        data: { version: state.version + 1, rules: [...command.rules], by: command.by },
      },
    ];
  },
};

/**
 * The routing engine's view of published rules: amounts become minor units of the rule's
 * currency. An amount without a currency, or one the currency cannot express, is a problem.
 */
export function toRoutingRuleSet(
  rules: readonly PublishedRule[],
  version: number,
): { ruleSet: RoutingRuleSet; problems: DomainProblem[] } {
  const problems: DomainProblem[] = [];
  const converted = rules.map((rule, index): RoutingRule => {
    const { minAmount, maxAmount, currency, regions, faTypes, providers, programs, attributes } =
      rule.when;
    const amount = (text: string | undefined, field: string): bigint | undefined => {
      if (text === undefined) return undefined;
      const path = ['rules', index, 'when', field];
      if (currency === undefined) {
        problems.push({ path, message: `${field} needs when.currency to say what it is in` });
        return undefined;
      }
      try {
        return parseAmount(text, currency);
      } catch (error) {
        problems.push({ path, message: error instanceof Error ? error.message : String(error) });
        return undefined;
      }
    };
    const minAmountMinor = amount(minAmount, 'minAmount');
    const maxAmountMinor = amount(maxAmount, 'maxAmount');
    return {
      id: rule.id,
      when: {
        ...optional('regions', regions),
        ...optional('faTypes', faTypes),
        ...optional('providers', providers),
        ...optional('programs', programs),
        ...optional('attributes', attributes),
        ...optional('currency', currency),
        ...optional('minAmountMinor', minAmountMinor),
        ...optional('maxAmountMinor', maxAmountMinor),
      },
      route: rule.route,
      fallback: rule.fallback,
    };
  });
  return { ruleSet: { version, rules: converted }, problems };
}
