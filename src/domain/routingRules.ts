/**
 * The conditions a payment must meet for a rule to apply; every key is optional and an empty
 * object matches every payment. Lists match when the payment's value is one of the entries
 * (an empty list therefore matches nothing, and `validateRuleSet` refuses it). Amounts are
 * inclusive minor units. A region entry matches that region and every region beneath it: `KE`
 * matches `KE`, `KE-30` and `KE-30-001`, not `KEN` or `KE3`. A payment without a region never
 * matches a rule that lists regions.
 *
 * @example
 * const when: RuleConditions = { currency: 'KES', minAmountMinor: 1_000_000n, regions: ['KE-30'] };
 */
export type RuleConditions = {
  readonly currency?: string;
  readonly minAmountMinor?: bigint;
  readonly maxAmountMinor?: bigint;
  readonly regions?: readonly string[];
  readonly faTypes?: readonly string[];
  readonly providers?: readonly string[];
  readonly programs?: readonly string[];
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
};

/**
 * One DFSP of a rule's weighted route: `weight` is a positive integer, and a DFSP's share of
 * the rule's payments is its weight over the sum of the eligible entries' weights.
 *
 * @example
 * const entry: RouteEntry = { dfspId: 'bank-a', weight: 70 };
 */
export type RouteEntry = { readonly dfspId: string; readonly weight: number };

/**
 * A routing rule: when a payment meets `when`, it goes to one of the eligible `route` entries
 * (chosen by weight), or else to the first eligible DFSP of `fallback`, in order.
 *
 * @example
 * const rule: RoutingRule = {
 *   id: 'large-to-banks',
 *   when: { currency: 'KES', minAmountMinor: 1_000_000n },
 *   route: [{ dfspId: 'bank-a', weight: 70 }, { dfspId: 'bank-b', weight: 30 }],
 *   fallback: ['mobile-x'],
 * };
 */
export type RoutingRule = {
  readonly id: string;
  readonly when: RuleConditions;
  readonly route: readonly RouteEntry[];
  readonly fallback: readonly string[];
};

/**
 * A published rule set: the rules in the order they are tried, and the version it was
 * published as (recorded on every routing decision made with it).
 *
 * @example
 * const ruleSet: RoutingRuleSet = { version: 3, rules: [rule] };
 */
export type RoutingRuleSet = { readonly version: number; readonly rules: readonly RoutingRule[] };

/**
 * One thing wrong with a rule set: a stable `code`, the `path` of the offending field (as in a
 * problem+json `errors` entry) and a message an administrator can act on.
 *
 * @example
 * const problem: RuleProblem = {
 *   code: 'dfsp_unknown',
 *   path: ['rules', 2, 'route', 0, 'dfspId'],
 *   message: 'DFSP "bank-z" is not registered',
 * };
 */
export type RuleProblem = {
  readonly code: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
};

/** The most rules a set may hold (`rules.length <= MAX_RULES`, e.g. 500 is fine, 501 is not). */
export const MAX_RULES = 500;
/** The most DFSPs a rule's `route`, and separately its `fallback`, may name (e.g. 50 each). */
export const MAX_DFSPS_PER_LIST = 50;
/** The largest route weight (weights are integers from 1, e.g. `{ weight: 70 }`). */
export const MAX_ROUTE_WEIGHT = 1_000_000;
/** The most problems `validateRuleSet` answers (e.g. 199 listed, then "and 12 more problems"). */
export const MAX_RULE_PROBLEMS = 200;
const RULE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Every problem in a rule set, in rule order (at most `MAX_RULE_PROBLEMS`, the last then saying
 * how many more there were); an empty answer means the set can be published. A rule must have
 * at least one `route` entry even when it has a fallback: the fallback is only what is tried
 * when every route entry is ineligible, and a route of one entry says the same as a lone
 * fallback, so there is one way to write it.
 *
 * @example
 * validateRuleSet([{ id: 'r1', when: {}, route: [{ dfspId: 'bank-z', weight: 0 }], fallback: [] }],
 *   new Set(['bank-a']));
 * // → [{ code: 'dfsp_unknown', path: ['rules', 0, 'route', 0, 'dfspId'], … },
 * //    { code: 'weight_invalid', path: ['rules', 0, 'route', 0, 'weight'], … }]
 */
export function validateRuleSet(
  rules: readonly RoutingRule[],
  knownDfspIds: ReadonlySet<string>,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (rules.length > MAX_RULES) {
    problems.push({
      code: 'too_many_rules',
      path: ['rules'],
      message: `at most ${MAX_RULES} rules, got ${rules.length}`,
    });
  }
  const firstIndexById = new Map<string, number>();
  rules.forEach((rule, i) => {
    const add: AddProblem = (code, path, message) => {
      problems.push({ code, path: ['rules', i, ...path], message });
    };
    const first = firstIndexById.get(rule.id);
    if (first === undefined) {
      firstIndexById.set(rule.id, i);
    } else {
      add('rule_id_duplicate', ['id'], `rule id "${rule.id}" is already used by rule ${first}`);
    }
    checkRule(rule, knownDfspIds, add);
  });
  if (problems.length <= MAX_RULE_PROBLEMS) return problems;
  const more = problems.length - (MAX_RULE_PROBLEMS - 1);
  return [
    ...problems.slice(0, MAX_RULE_PROBLEMS - 1),
    { code: 'too_many_problems', path: ['rules'], message: `and ${more} more problems` },
  ];
}

type AddProblem = (code: string, path: readonly (string | number)[], message: string) => void;

/** The problems of one rule on its own (paths relative to the rule). */
function checkRule(rule: RoutingRule, knownDfspIds: ReadonlySet<string>, add: AddProblem): void {
  if (!RULE_ID.test(rule.id)) {
    add('rule_id_invalid', ['id'], 'a rule id is 1 to 64 of A-Z a-z 0-9 . _ -');
  }
  checkConditions(rule.when, (code, path, message) => add(code, ['when', ...path], message));
  if (rule.route.length === 0) {
    add('route_empty', ['route'], 'a rule routes to at least one DFSP (a fallback is not enough)');
  }
  for (const list of ['route', 'fallback'] as const) {
    const { length } = rule[list];
    if (length > MAX_DFSPS_PER_LIST) {
      add('too_many_dfsps', [list], `at most ${MAX_DFSPS_PER_LIST} DFSPs, got ${length}`);
    }
  }
  const named = new Set<string>();
  const checkDfsp = (dfspId: string, path: readonly (string | number)[]) => {
    if (!knownDfspIds.has(dfspId)) {
      add('dfsp_unknown', path, `DFSP "${dfspId}" is not registered`);
    }
    if (named.has(dfspId)) {
      add('dfsp_repeated', path, `DFSP "${dfspId}" is already named by this rule`);
    }
    named.add(dfspId);
  };
  rule.route.forEach((entry, j) => {
    checkDfsp(entry.dfspId, ['route', j, 'dfspId']);
    const { weight } = entry;
    if (!Number.isInteger(weight) || weight < 1 || weight > MAX_ROUTE_WEIGHT) {
      add('weight_invalid', ['route', j, 'weight'], `an integer from 1 to ${MAX_ROUTE_WEIGHT}`);
    }
  });
  rule.fallback.forEach((dfspId, j) => {
    checkDfsp(dfspId, ['fallback', j]);
  });
}

/** The problems of a rule's conditions; paths use the API's names (`minAmount`, not …Minor). */
function checkConditions(when: RuleConditions, add: AddProblem): void {
  const { minAmountMinor: min, maxAmountMinor: max } = when;
  if (min !== undefined && min < 0n) add('amount_negative', ['minAmount'], 'must not be negative');
  if (max !== undefined && max < 0n) add('amount_negative', ['maxAmount'], 'must not be negative');
  if (min !== undefined && max !== undefined && min > max) {
    add('amount_bounds_inverted', ['minAmount'], 'minAmount is greater than maxAmount');
  }
  for (const key of ['regions', 'faTypes', 'providers', 'programs'] as const) {
    if (when[key]?.length === 0) add('condition_empty', [key], 'an empty list matches nothing');
  }
  for (const [name, values] of Object.entries(when.attributes ?? {})) {
    if (values.length === 0) {
      add('condition_empty', ['attributes', name], 'an empty list matches nothing');
    }
  }
}
