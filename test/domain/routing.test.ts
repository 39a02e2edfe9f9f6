import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DfspForRouting,
  MAX_UNROUTABLE_REASON_LENGTH,
  type PaymentForRouting,
  type RoutingDecision,
  routePayment,
} from '../../src/domain/routing.js';
import {
  MAX_RULE_PROBLEMS,
  type RouteEntry,
  type RoutingRule,
  type RoutingRuleSet,
  type RuleConditions,
  validateRuleSet,
} from '../../src/domain/routingRules.js';

const dfsp = (dfspId: string, overrides: Partial<DfspForRouting> = {}): DfspForRouting => ({
  dfspId,
  suspended: false,
  healthy: true,
  currencies: ['KES'],
  faTypes: ['account', 'wallet'],
  ...overrides,
});

const registry = (...dfsps: DfspForRouting[]) => new Map(dfsps.map((d) => [d.dfspId, d]));

const payment = (overrides: Partial<PaymentForRouting> = {}): PaymentForRouting => ({
  paymentId: '01JB4Z6Q0X8Y7W3V2T1S0R9P8N',
  amountMinor: 250_000n,
  currency: 'KES',
  region: 'KE-30-001',
  faType: 'account',
  faProvider: 'bank-a',
  programId: 'CT-OVC',
  attributes: { disability: 'yes' },
  ...overrides,
});

const rule = (
  id: string,
  when: RuleConditions,
  route: readonly RouteEntry[],
  fallback: readonly string[] = [],
): RoutingRule => ({ id, when, route, fallback });

const routed = (dfspId: string, ruleId: string, via: 'route' | 'fallback' = 'route') => ({
  outcome: 'routed',
  dfspId,
  ruleId,
  rulesVersion: 1,
  via,
});

describe('rule conditions', () => {
  const { region: _region, ...withoutRegion } = payment();
  it.each<[string, RuleConditions, PaymentForRouting, boolean]>([
    ['an empty when matches every payment', {}, payment(), true],
    ['the same currency matches', { currency: 'KES' }, payment(), true],
    ['another currency does not', { currency: 'UGX' }, payment(), false],
    ['an amount equal to minAmount matches', { minAmountMinor: 250_000n }, payment(), true],
    ['an amount one below minAmount does not', { minAmountMinor: 250_001n }, payment(), false],
    ['an amount equal to maxAmount matches', { maxAmountMinor: 250_000n }, payment(), true],
    ['an amount one above maxAmount does not', { maxAmountMinor: 249_999n }, payment(), false],
    ['KE matches KE', { regions: ['KE'] }, payment({ region: 'KE' }), true],
    ['KE matches KE-30', { regions: ['KE'] }, payment({ region: 'KE-30' }), true],
    ['KE matches KE-30-001', { regions: ['KE'] }, payment({ region: 'KE-30-001' }), true],
    ['KE does not match KEN', { regions: ['KE'] }, payment({ region: 'KEN' }), false],
    ['KE does not match KE3', { regions: ['KE'] }, payment({ region: 'KE3' }), false],
    [
      'KE-30 does not match its parent KE',
      { regions: ['KE-30'] },
      payment({ region: 'KE' }),
      false,
    ],
    ['KE-3 does not match KE-30', { regions: ['KE-3'] }, payment({ region: 'KE-30' }), false],
    ['any listed region may match', { regions: ['UG', 'KE-30'] }, payment(), true],
    [
      'a payment without a region does not match regions',
      { regions: ['KE'] },
      withoutRegion,
      false,
    ],
    ['a payment without a region matches a rule without regions', {}, withoutRegion, true],
    ['a listed FA type matches', { faTypes: ['wallet', 'account'] }, payment(), true],
    ['an unlisted FA type does not', { faTypes: ['wallet'] }, payment(), false],
    ['a listed provider matches', { providers: ['bank-a'] }, payment(), true],
    ['an unlisted provider does not', { providers: ['mobile-x'] }, payment(), false],
    ['a listed programme matches', { programs: ['CT-OVC', 'OPCT'] }, payment(), true],
    ['an unlisted programme does not', { programs: ['OPCT'] }, payment(), false],
    [
      'an attribute equal to a listed value matches',
      { attributes: { disability: ['no', 'yes'] } },
      payment(),
      true,
    ],
    [
      'an attribute with another value does not',
      { attributes: { disability: ['no'] } },
      payment(),
      false,
    ],
    [
      'a missing attribute does not match',
      { attributes: { household: ['large'] } },
      payment(),
      false,
    ],
    [
      'every listed attribute must match',
      { attributes: { disability: ['yes'], household: ['large'] } },
      payment(),
      false,
    ],
    [
      'an inherited property is not an attribute',
      { attributes: { constructor: ['function Object() { [native code] }'] } },
      payment(),
      false,
    ],
    ['an empty list matches nothing', { providers: [] }, payment(), false],
    [
      'all conditions together match',
      {
        currency: 'KES',
        minAmountMinor: 1n,
        maxAmountMinor: 250_000n,
        regions: ['KE-30'],
        faTypes: ['account'],
        providers: ['bank-a'],
        programs: ['CT-OVC'],
        attributes: { disability: ['yes'] },
      },
      payment(),
      true,
    ],
  ])('%s', (_name, when, given, matches) => {
    const decision = routePayment(
      given,
      { version: 1, rules: [rule('r', when, [{ dfspId: 'bank-a', weight: 1 }])] },
      registry(dfsp('bank-a')),
    );
    expect(decision.outcome).toBe(matches ? 'routed' : 'unroutable');
  });
});

describe('DFSP eligibility', () => {
  const rules = (route: string): RoutingRuleSet => ({
    version: 1,
    rules: [rule('only', {}, [{ dfspId: route, weight: 1 }])],
  });

  it.each<[string, ReadonlyMap<string, DfspForRouting>, PaymentForRouting, string]>([
    ['an unregistered DFSP', registry(), payment(), 'rule only: bank-a is not registered'],
    [
      'a suspended DFSP',
      registry(dfsp('bank-a', { suspended: true })),
      payment(),
      'rule only: bank-a suspended',
    ],
    [
      'an unhealthy DFSP',
      registry(dfsp('bank-a', { healthy: false })),
      payment(),
      'rule only: bank-a unhealthy',
    ],
    [
      'a DFSP without the currency',
      registry(dfsp('bank-a')),
      payment({ currency: 'JPY' }),
      'rule only: bank-a does not support JPY',
    ],
    [
      'a DFSP without the FA type',
      registry(dfsp('bank-a', { faTypes: ['wallet'] })),
      payment(),
      'rule only: bank-a does not support FA type account',
    ],
    [
      'a DFSP whose limit is below the amount',
      registry(dfsp('bank-a', { maxAmountMinor: 249_999n })),
      payment(),
      'rule only: bank-a takes at most 249999 minor units, this payment is 250000',
    ],
  ])('refuses %s, saying why', (_name, dfsps, given, reason) => {
    expect(routePayment(given, rules('bank-a'), dfsps)).toEqual({
      outcome: 'unroutable',
      reason: `no eligible DFSP: ${reason}`,
      rulesVersion: 1,
    });
  });

  it('accepts an amount equal to the DFSP limit', () => {
    const dfsps = registry(dfsp('bank-a', { maxAmountMinor: 250_000n }));
    expect(routePayment(payment(), rules('bank-a'), dfsps)).toEqual(routed('bank-a', 'only'));
  });
});

describe('weighted route', () => {
  const ruleSet: RoutingRuleSet = {
    version: 1,
    rules: [
      rule('split', {}, [
        { dfspId: 'bank-a', weight: 70 },
        { dfspId: 'bank-b', weight: 30 },
      ]),
    ],
  };
  const ids = Array.from({ length: 10_000 }, (_, i) => `01JB4Z6Q0X${String(i).padStart(16, '0')}`);
  const countBy = (dfsps: ReadonlyMap<string, DfspForRouting>) => {
    const counts = new Map<string, number>();
    for (const paymentId of ids) {
      const decision = routePayment(payment({ paymentId }), ruleSet, dfsps);
      const key = decision.outcome === 'routed' ? decision.dfspId : 'unroutable';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };

  it('gives the same payment the same DFSP every time', () => {
    const dfsps = registry(dfsp('bank-a'), dfsp('bank-b'));
    const first = routePayment(payment(), ruleSet, dfsps);
    for (let i = 0; i < 10; i += 1) expect(routePayment(payment(), ruleSet, dfsps)).toEqual(first);
  });

  it('splits sequential ids close to the weights', () => {
    const counts = countBy(registry(dfsp('bank-a'), dfsp('bank-b')));
    expect(Math.abs((counts.get('bank-a') ?? 0) / ids.length - 0.7)).toBeLessThan(0.03);
    expect(Math.abs((counts.get('bank-b') ?? 0) / ids.length - 0.3)).toBeLessThan(0.03);
  });

  it.each([
    ['50/50', [50, 50]],
    ['1/1/1', [1, 1, 1]],
  ])('splits short sequential ids (p-0, p-1, …) %s within 1 point', (_name, weights) => {
    const route = weights.map((weight, i) => ({ dfspId: `d${i}`, weight }));
    const dfsps = registry(...route.map((entry) => dfsp(entry.dfspId)));
    const split = { version: 1, rules: [rule('split', {}, route)] };
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i += 1) {
      const decision = routePayment(payment({ paymentId: `p-${i}` }), split, dfsps);
      const key = decision.outcome === 'routed' ? decision.dfspId : 'unroutable';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const entry of route) {
      expect(Math.abs((counts.get(entry.dfspId) ?? 0) / 10_000 - 1 / route.length)).toBeLessThan(
        0.01,
      );
    }
  });

  it("gives an ineligible entry's share to the other entries, not to the fallback", () => {
    const withFallback: RoutingRuleSet = {
      version: 1,
      rules: [{ ...(ruleSet.rules[0] as RoutingRule), fallback: ['mobile-x'] }],
    };
    const dfsps = registry(dfsp('bank-a', { suspended: true }), dfsp('bank-b'), dfsp('mobile-x'));
    for (const paymentId of ids.slice(0, 200)) {
      expect(routePayment(payment({ paymentId }), withFallback, dfsps)).toEqual(
        routed('bank-b', 'split'),
      );
    }
  });

  it('keeps the DFSP of an eligible entry stable when nothing changes between versions', () => {
    const dfsps = registry(dfsp('bank-a'), dfsp('bank-b'));
    const next = { ...ruleSet, version: 2 };
    for (const paymentId of ids.slice(0, 200)) {
      const before = routePayment(payment({ paymentId }), ruleSet, dfsps);
      const after = routePayment(payment({ paymentId }), next, dfsps);
      expect({ ...after, rulesVersion: 1 }).toEqual(before);
    }
  });
});

describe('fallback and rule order', () => {
  const route = [{ dfspId: 'bank-a', weight: 1 }];

  it('uses the route while one of its entries is eligible', () => {
    const ruleSet = { version: 1, rules: [rule('r', {}, route, ['mobile-x'])] };
    const dfsps = registry(dfsp('bank-a'), dfsp('mobile-x'));
    expect(routePayment(payment(), ruleSet, dfsps)).toEqual(routed('bank-a', 'r'));
  });

  it('takes the first eligible fallback, in order', () => {
    const ruleSet = {
      version: 1,
      rules: [rule('r', {}, route, ['mobile-x', 'mobile-y', 'mobile-z'])],
    };
    const dfsps = registry(
      dfsp('bank-a', { healthy: false }),
      dfsp('mobile-x', { suspended: true }),
      dfsp('mobile-y'),
      dfsp('mobile-z'),
    );
    expect(routePayment(payment(), ruleSet, dfsps)).toEqual(routed('mobile-y', 'r', 'fallback'));
  });

  it('takes the first matching rule even when a later one matches too', () => {
    const ruleSet = {
      version: 1,
      rules: [
        rule('other-currency', { currency: 'UGX' }, [{ dfspId: 'bank-b', weight: 1 }]),
        rule('first', { regions: ['KE'] }, route),
        rule('second', {}, [{ dfspId: 'bank-b', weight: 1 }]),
      ],
    };
    const dfsps = registry(dfsp('bank-a'), dfsp('bank-b'));
    expect(routePayment(payment(), ruleSet, dfsps)).toEqual(routed('bank-a', 'first'));
  });

  it('goes on to the next rule when a matching rule has no eligible DFSP', () => {
    const ruleSet = {
      version: 1,
      rules: [
        rule('first', {}, route, ['mobile-x']),
        rule('second', {}, [{ dfspId: 'bank-b', weight: 1 }]),
      ],
    };
    const dfsps = registry(dfsp('bank-a', { suspended: true }), dfsp('bank-b'));
    expect(routePayment(payment(), ruleSet, dfsps)).toEqual(routed('bank-b', 'second'));
  });

  it('tolerates a rule with an empty route by trying its fallback', () => {
    const ruleSet = { version: 1, rules: [rule('r', {}, [], ['mobile-x'])] };
    const dfsps = registry(dfsp('mobile-x'));
    expect(routePayment(payment(), ruleSet, dfsps)).toEqual(routed('mobile-x', 'r', 'fallback'));
  });
});

describe('unroutable payments', () => {
  it('say that no rule matched, with the facts rules look at', () => {
    const ruleSet = {
      version: 7,
      rules: [rule('ugx', { currency: 'UGX' }, [{ dfspId: 'bank-a', weight: 1 }])],
    };
    expect(routePayment(payment(), ruleSet, registry(dfsp('bank-a')))).toEqual({
      outcome: 'unroutable',
      reason:
        'no rule of version 7 matches this payment (currency KES, region KE-30-001, FA type account, provider bank-a, programme CT-OVC)',
      rulesVersion: 7,
    });
  });

  it('say so with an empty rule set', () => {
    const decision = routePayment(payment(), { version: 0, rules: [] }, registry());
    expect(decision).toMatchObject({ outcome: 'unroutable', rulesVersion: 0 });
  });

  it('name every matching rule and why each of its DFSPs was not eligible', () => {
    const ruleSet = {
      version: 3,
      rules: [
        rule('large-to-banks', {}, [
          { dfspId: 'bank-a', weight: 70 },
          { dfspId: 'bank-b', weight: 30 },
        ]),
        rule('not-matching', { currency: 'KES' }, [{ dfspId: 'bank-a', weight: 1 }]),
        rule('mobile', {}, [{ dfspId: 'mobile-x', weight: 1 }], ['bank-a', 'mobile-y']),
        rule('nowhere', {}, []),
      ],
    };
    const dfsps = registry(
      dfsp('bank-a', { suspended: true, currencies: ['JPY'] }),
      dfsp('bank-b'),
      dfsp('mobile-x', { healthy: false, currencies: ['JPY'] }),
    );
    expect(routePayment(payment({ currency: 'JPY' }), ruleSet, dfsps)).toEqual({
      outcome: 'unroutable',
      reason:
        'no eligible DFSP: rule large-to-banks: bank-a suspended, bank-b does not support JPY; ' +
        'rule mobile: mobile-x unhealthy, bank-a suspended, mobile-y is not registered; ' +
        'rule nowhere: names no DFSP',
      rulesVersion: 3,
    });
  });

  it('keep the reason within its bound, saying how many rules were left out', () => {
    const rules = Array.from({ length: 100 }, (_, i) =>
      rule(`rule-${i}`, {}, [{ dfspId: `dfsp-with-a-long-name-${i}`, weight: 1 }]),
    );
    const decision = routePayment(payment(), { version: 1, rules }, registry());
    expect(decision.outcome).toBe('unroutable');
    const reason = decision.outcome === 'unroutable' ? decision.reason : '';
    expect(reason.length).toBeLessThanOrEqual(MAX_UNROUTABLE_REASON_LENGTH);
    expect(reason).toMatch(
      /^no eligible DFSP: rule rule-0: dfsp-with-a-long-name-0 is not registered; /,
    );
    expect(reason).toMatch(/; and \d+ more$/);
  });

  it('cut even a single very long rule reason to the bound', () => {
    const route = Array.from({ length: 50 }, (_, i) => ({ dfspId: `dfsp-${i}`, weight: 1 }));
    const decision = routePayment(
      payment(),
      { version: 1, rules: [rule('wide', {}, route)] },
      registry(),
    );
    const reason = decision.outcome === 'unroutable' ? decision.reason : '';
    expect(reason).toHaveLength(MAX_UNROUTABLE_REASON_LENGTH);
    expect(reason.endsWith('…')).toBe(true);
  });
});

describe('rule set validation', () => {
  const known = new Set(['bank-a', 'bank-b', 'mobile-x']);
  const good = rule(
    'large-to-banks',
    { currency: 'KES', minAmountMinor: 1n, maxAmountMinor: 1n },
    [
      { dfspId: 'bank-a', weight: 70 },
      { dfspId: 'bank-b', weight: 30 },
    ],
    ['mobile-x'],
  );

  it('finds nothing wrong with a good rule set', () => {
    expect(validateRuleSet([good, { ...good, id: 'catch-all', when: {} }], known)).toEqual([]);
  });

  it.each<[string, Partial<RoutingRule>, string, readonly (string | number)[]]>([
    [
      'an unknown DFSP in the route',
      { route: [{ dfspId: 'bank-z', weight: 1 }] },
      'dfsp_unknown',
      ['route', 0, 'dfspId'],
    ],
    [
      'an unknown DFSP in the fallback',
      { fallback: ['mobile-x', 'mobile-z'] },
      'dfsp_unknown',
      ['fallback', 1],
    ],
    ['an empty route and fallback', { route: [], fallback: [] }, 'route_empty', ['route']],
    ['an empty route with a fallback', { route: [] }, 'route_empty', ['route']],
    [
      'a zero weight',
      { route: [{ dfspId: 'bank-a', weight: 0 }] },
      'weight_invalid',
      ['route', 0, 'weight'],
    ],
    [
      'a negative weight',
      { route: [{ dfspId: 'bank-a', weight: -3 }] },
      'weight_invalid',
      ['route', 0, 'weight'],
    ],
    [
      'a fractional weight',
      { route: [{ dfspId: 'bank-a', weight: 1.5 }] },
      'weight_invalid',
      ['route', 0, 'weight'],
    ],
    [
      'a NaN weight',
      { route: [{ dfspId: 'bank-a', weight: Number.NaN }] },
      'weight_invalid',
      ['route', 0, 'weight'],
    ],
    [
      'a huge weight',
      { route: [{ dfspId: 'bank-a', weight: 1e9 }] },
      'weight_invalid',
      ['route', 0, 'weight'],
    ],
    ['a rule id with a space', { id: 'large banks' }, 'rule_id_invalid', ['id']],
    ['an empty rule id', { id: '' }, 'rule_id_invalid', ['id']],
    ['a rule id of 65 characters', { id: 'r'.repeat(65) }, 'rule_id_invalid', ['id']],
    [
      'minAmount above maxAmount',
      { when: { minAmountMinor: 2n, maxAmountMinor: 1n } },
      'amount_bounds_inverted',
      ['when', 'minAmount'],
    ],
    [
      'a negative maxAmount',
      { when: { maxAmountMinor: -1n } },
      'amount_negative',
      ['when', 'maxAmount'],
    ],
    ['an empty regions list', { when: { regions: [] } }, 'condition_empty', ['when', 'regions']],
    [
      'an attribute without values',
      { when: { attributes: { disability: [] } } },
      'condition_empty',
      ['when', 'attributes', 'disability'],
    ],
    [
      'a DFSP repeated within the route',
      {
        route: [
          { dfspId: 'bank-a', weight: 1 },
          { dfspId: 'bank-a', weight: 2 },
        ],
      },
      'dfsp_repeated',
      ['route', 1, 'dfspId'],
    ],
    [
      'a fallback repeating a route DFSP',
      { fallback: ['bank-b'] },
      'dfsp_repeated',
      ['fallback', 0],
    ],
    [
      'more than 50 route entries',
      { route: Array.from({ length: 51 }, (_, i) => ({ dfspId: `d${i}`, weight: 1 })) },
      'too_many_dfsps',
      ['route'],
    ],
  ])('refuses %s, naming the field', (_name, change, code, path) => {
    const problems = validateRuleSet([good, { ...good, id: 'second', ...change }], known);
    expect(problems).toContainEqual({
      code,
      path: ['rules', 1, ...path],
      message: expect.any(String),
    });
  });

  it('refuses a duplicate rule id at the later rule', () => {
    expect(validateRuleSet([good, good], known)).toEqual([
      {
        code: 'rule_id_duplicate',
        path: ['rules', 1, 'id'],
        message: 'rule id "large-to-banks" is already used by rule 0',
      },
    ]);
  });

  it('refuses more than 500 rules', () => {
    const rules = Array.from({ length: 501 }, (_, i) => ({ ...good, id: `r${i}` }));
    expect(validateRuleSet(rules, known)).toEqual([
      { code: 'too_many_rules', path: ['rules'], message: 'at most 500 rules, got 501' },
    ]);
    expect(validateRuleSet(rules.slice(0, 500), known)).toEqual([]);
  });

  it('answers every problem, not only the first', () => {
    const bad = rule(
      'bad id',
      { minAmountMinor: 5n, maxAmountMinor: 4n },
      [{ dfspId: 'bank-z', weight: 0 }],
      ['bank-z'],
    );
    expect(validateRuleSet([bad], known).map((p) => `${p.code} ${p.path.join('.')}`)).toEqual([
      'rule_id_invalid rules.0.id',
      'amount_bounds_inverted rules.0.when.minAmount',
      'dfsp_unknown rules.0.route.0.dfspId',
      'weight_invalid rules.0.route.0.weight',
      'dfsp_unknown rules.0.fallback.0',
      'dfsp_repeated rules.0.fallback.0',
    ]);
  });

  it('bounds the number of problems it answers', () => {
    const rules = Array.from({ length: 300 }, () => ({ ...good, id: 'same' }));
    const problems = validateRuleSet(rules, known);
    expect(problems).toHaveLength(MAX_RULE_PROBLEMS);
    expect(problems.at(-1)).toEqual({
      code: 'too_many_problems',
      path: ['rules'],
      message: `and ${299 - (MAX_RULE_PROBLEMS - 1)} more problems`,
    });
  });
});

// ---- properties ---------------------------------------------------------------------------------

const DFSP_IDS = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
const CURRENCIES = ['KES', 'JPY'];
const FA_TYPES = ['account', 'wallet'];
const REGIONS = ['KE', 'KE-30', 'KE-30-001', 'KEN', 'UG'];
const PROVIDERS = ['bank-a', 'mobile-x'];
const PROGRAMS = ['CT-OVC', 'OPCT'];

const amountArb = fc.bigInt({ min: 0n, max: 1_000n });
const dfspArb = (dfspId: string) =>
  fc.record(
    {
      dfspId: fc.constant(dfspId),
      suspended: fc.constantFrom(false, false, false, true),
      healthy: fc.constantFrom(true, true, true, false),
      currencies: fc.oneof(fc.constant(CURRENCIES), fc.subarray(CURRENCIES, { minLength: 1 })),
      faTypes: fc.oneof(fc.constant(FA_TYPES), fc.subarray(FA_TYPES, { minLength: 1 })),
      maxAmountMinor: amountArb,
    },
    { requiredKeys: ['dfspId', 'suspended', 'healthy', 'currencies', 'faTypes'] },
  );
const registryArb = fc
  .tuple(...DFSP_IDS.map((id) => fc.option(dfspArb(id), { freq: 4, nil: undefined })))
  .map((entries) => registry(...entries.flatMap((d) => (d === undefined ? [] : [d]))));
/** Up to two conditions per rule, so that rules match often enough to test routing. */
const whenArb: fc.Arbitrary<RuleConditions> = fc
  .tuple(
    fc.record({
      currency: fc.constantFrom(...CURRENCIES),
      minAmountMinor: amountArb,
      maxAmountMinor: amountArb,
      regions: fc.subarray(REGIONS, { minLength: 1 }),
      faTypes: fc.subarray(FA_TYPES, { minLength: 1 }),
      providers: fc.subarray(PROVIDERS, { minLength: 1 }),
      programs: fc.subarray(PROGRAMS, { minLength: 1 }),
      attributes: fc.dictionary(
        fc.constantFrom('disability', 'household'),
        fc.subarray(['yes', 'no'], { minLength: 1 }),
      ),
    }),
    fc.subarray(
      [
        'currency',
        'minAmountMinor',
        'maxAmountMinor',
        'regions',
        'faTypes',
        'providers',
        'programs',
        'attributes',
      ],
      { maxLength: 2 },
    ),
  )
  .map(
    ([all, keep]) =>
      Object.fromEntries(
        Object.entries(all).filter(([key]) => keep.includes(key)),
      ) as RuleConditions,
  );
const ruleArb = (id: string) =>
  fc.record({
    id: fc.constant(id),
    when: whenArb,
    route: fc.uniqueArray(
      fc.record({ dfspId: fc.constantFrom(...DFSP_IDS), weight: fc.integer({ min: 1, max: 100 }) }),
      { selector: (e) => e.dfspId, maxLength: 4 },
    ),
    fallback: fc.subarray(DFSP_IDS, { maxLength: 3 }),
  });
const ruleSetArb: fc.Arbitrary<RoutingRuleSet> = fc
  .integer({ min: 0, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(`rule-${i}`))))
  .chain((rules) =>
    fc.record({ version: fc.integer({ min: 1, max: 99 }), rules: fc.constant(rules) }),
  );
const paymentArb: fc.Arbitrary<PaymentForRouting> = fc
  .record({
    paymentId: fc.string({ minLength: 1, maxLength: 30 }),
    amountMinor: amountArb,
    currency: fc.constantFrom(...CURRENCIES),
    region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
    faType: fc.constantFrom(...FA_TYPES),
    faProvider: fc.constantFrom(...PROVIDERS),
    programId: fc.constantFrom(...PROGRAMS),
    attributes: fc.dictionary(
      fc.constantFrom('disability', 'household'),
      fc.constantFrom('yes', 'no'),
    ),
  })
  .map(({ region, ...rest }) => (region === undefined ? rest : { ...rest, region }));

/** The specification, written independently of the engine. */
const matches = (when: RuleConditions, p: PaymentForRouting) =>
  (when.currency ?? p.currency) === p.currency &&
  (when.minAmountMinor ?? p.amountMinor) <= p.amountMinor &&
  (when.maxAmountMinor ?? p.amountMinor) >= p.amountMinor &&
  (when.regions === undefined ||
    when.regions.some((r) => p.region !== undefined && `${p.region}-`.startsWith(`${r}-`))) &&
  (when.faTypes ?? [p.faType]).includes(p.faType) &&
  (when.providers ?? [p.faProvider]).includes(p.faProvider) &&
  (when.programs ?? [p.programId]).includes(p.programId) &&
  Object.entries(when.attributes ?? {}).every(([k, vs]) => vs.some((v) => p.attributes[k] === v));
const eligible = (dfsps: ReadonlyMap<string, DfspForRouting>, id: string, p: PaymentForRouting) => {
  const d = dfsps.get(id);
  return (
    d !== undefined &&
    !d.suspended &&
    d.healthy &&
    d.currencies.includes(p.currency) &&
    d.faTypes.includes(p.faType) &&
    (d.maxAmountMinor === undefined || p.amountMinor <= d.maxAmountMinor)
  );
};
const hasEligible = (
  r: RoutingRule,
  dfsps: ReadonlyMap<string, DfspForRouting>,
  p: PaymentForRouting,
) => [...r.route.map((e) => e.dfspId), ...r.fallback].some((id) => eligible(dfsps, id, p));

describe('routing properties', () => {
  const inputs = fc.tuple(paymentArb, ruleSetArb, registryArb);

  it('is deterministic', () => {
    fc.assert(
      fc.property(inputs, ([p, rules, dfsps]) => {
        expect(routePayment({ ...p }, structuredClone(rules), new Map(dfsps))).toEqual(
          routePayment(p, rules, dfsps),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('routes only to an eligible DFSP named by the winning rule', () => {
    fc.assert(
      fc.property(inputs, ([p, rules, dfsps]) => {
        const decision: RoutingDecision = routePayment(p, rules, dfsps);
        if (decision.outcome !== 'routed') return;
        expect(eligible(dfsps, decision.dfspId, p)).toBe(true);
        const winner = rules.rules.find((r) => r.id === decision.ruleId);
        const named =
          decision.via === 'route' ? winner?.route.map((e) => e.dfspId) : winner?.fallback;
        expect(named).toContain(decision.dfspId);
      }),
      { numRuns: 500 },
    );
  });

  it('picks the first rule that matches and has an eligible DFSP, or none', () => {
    fc.assert(
      fc.property(inputs, ([p, rules, dfsps]) => {
        const expected = rules.rules.find((r) => matches(r.when, p) && hasEligible(r, dfsps, p));
        const decision = routePayment(p, rules, dfsps);
        expect(decision.rulesVersion).toBe(rules.version);
        if (expected === undefined) expect(decision.outcome).toBe('unroutable');
        else expect(decision).toMatchObject({ outcome: 'routed', ruleId: expected.id });
      }),
      { numRuns: 500 },
    );
  });

  it('uses a fallback only when no route entry of the rule is eligible', () => {
    fc.assert(
      fc.property(inputs, ([p, rules, dfsps]) => {
        const decision = routePayment(p, rules, dfsps);
        if (decision.outcome !== 'routed') return;
        const winner = rules.rules.find((r) => r.id === decision.ruleId);
        const routeEligible = winner?.route.some((e) => eligible(dfsps, e.dfspId, p)) ?? false;
        expect(decision.via).toBe(routeEligible ? 'route' : 'fallback');
        if (decision.via === 'fallback') {
          expect(winner?.fallback.find((id) => eligible(dfsps, id, p))).toBe(decision.dfspId);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('splits 10,000 random payment ids within 3 points of the weights', () => {
    const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    /** ULID-like ids from a seeded xorshift32: reproducible from fast-check's seed. */
    const randomIds = (seed: number, count: number) => {
      let state = seed | 1;
      const next = () => {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        return state >>> 0;
      };
      return Array.from({ length: count }, () =>
        Array.from({ length: 26 }, () => CROCKFORD[next() % 32]).join(''),
      );
    };
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...DFSP_IDS), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 5, maxLength: 5 }),
        fc.integer(),
        (ids, weights, seed) => {
          const route = ids.map((dfspId, i) => ({ dfspId, weight: weights[i] ?? 1 }));
          const ruleSet = { version: 1, rules: [rule('split', {}, route)] };
          const dfsps = registry(...ids.map((id) => dfsp(id)));
          const counts = new Map<string, number>();
          const paymentIds = randomIds(seed, 10_000);
          for (const paymentId of paymentIds) {
            const decision = routePayment(payment({ paymentId }), ruleSet, dfsps);
            if (decision.outcome !== 'routed') throw new Error(`unroutable: ${decision.reason}`);
            counts.set(decision.dfspId, (counts.get(decision.dfspId) ?? 0) + 1);
          }
          const total = route.reduce((sum, e) => sum + e.weight, 0);
          for (const entry of route) {
            const share = (counts.get(entry.dfspId) ?? 0) / paymentIds.length;
            expect(Math.abs(share - entry.weight / total)).toBeLessThanOrEqual(0.03);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
