import { DomainError } from './domainError.js';
import type { RouteEntry, RoutingRule, RoutingRuleSet, RuleConditions } from './routingRules.js';

/**
 * What routing needs to know of a DFSP: whether it takes payments at all (`suspended` by an
 * administrator, `healthy` as last probed), which currencies and financial-address types it
 * serves, and the largest single payment it accepts, in minor units, when it has a limit.
 *
 * @example
 * const bankA: DfspForRouting = {
 *   dfspId: 'bank-a', suspended: false, healthy: true,
 *   currencies: ['KES'], faTypes: ['account'], maxAmountMinor: 5_000_000n,
 * };
 */
export type DfspForRouting = {
  readonly dfspId: string;
  readonly suspended: boolean;
  readonly healthy: boolean;
  readonly currencies: readonly string[];
  readonly faTypes: readonly string[];
  readonly maxAmountMinor?: bigint;
};

/**
 * The already-parsed facts of a payment that rules and eligibility look at. `faType` and
 * `faProvider` come from the payee's financial address (`account:123@bank-a` → `account`,
 * `bank-a`); the full address never reaches routing.
 *
 * @example
 * const payment: PaymentForRouting = {
 *   paymentId: '01JB4Z6Q0X8Y7W3V2T1S0R9P8N', amountMinor: 250_000n, currency: 'KES',
 *   region: 'KE-30', faType: 'account', faProvider: 'bank-a', programId: 'CT-OVC',
 *   attributes: { disability: 'yes' },
 * };
 */
export type PaymentForRouting = {
  readonly paymentId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly region?: string;
  readonly faType: string;
  readonly faProvider: string;
  readonly programId: string;
  readonly attributes: Readonly<Record<string, string>>;
};

/**
 * The outcome of routing one payment: the DFSP, the rule that chose it and whether it came from
 * the rule's weighted `route` or its `fallback`; or, when no DFSP can take the payment, a reason
 * an administrator can read (at most `MAX_UNROUTABLE_REASON_LENGTH` characters).
 *
 * @example
 * const decision: RoutingDecision = {
 *   outcome: 'routed',
 *   dfspId: 'bank-a',
 *   ruleId: 'large-to-banks',
 *   rulesVersion: 3,
 *   via: 'route',
 * };
 */
export type RoutingDecision =
  | {
      readonly outcome: 'routed';
      readonly dfspId: string;
      readonly ruleId: string;
      readonly rulesVersion: number;
      readonly via: 'route' | 'fallback';
    }
  | { readonly outcome: 'unroutable'; readonly reason: string; readonly rulesVersion: number };

/** The longest `reason` of an unroutable decision (e.g. 500 characters, then "…"). */
export const MAX_UNROUTABLE_REASON_LENGTH = 500;

/**
 * Routes a payment: rules are tried in order and the first that matches the payment and has an
 * eligible DFSP wins. A DFSP is eligible when it is registered, not suspended, healthy, serves
 * the payment's currency and FA type, and accepts its amount. Within a rule one eligible route
 * entry is chosen by weight from a hash of the payment id, so the same payment always gets the
 * same DFSP and, over many payments, the split follows the weights (an ineligible entry's share
 * goes to the others); with no route entry eligible, the first eligible fallback is taken.
 *
 * @example
 * routePayment(payment, { version: 3, rules: [rule] }, new Map([['bank-a', bankA]]));
 * // → { outcome: 'routed', dfspId: 'bank-a', ruleId: 'large-to-banks', rulesVersion: 3,
 * //     via: 'route' }
 * // or { outcome: 'unroutable',
 * //      reason: 'no eligible DFSP: rule large-to-banks: bank-a suspended', … }
 */
export function routePayment(
  payment: PaymentForRouting,
  ruleSet: RoutingRuleSet,
  dfsps: ReadonlyMap<string, DfspForRouting>,
): RoutingDecision {
  const rulesVersion = ruleSet.version;
  const refusals: string[] = [];
  for (const rule of ruleSet.rules) {
    if (!ruleMatches(rule.when, payment)) continue;
    const chosen = chooseInRule(rule, payment, dfsps);
    if (typeof chosen === 'string') {
      refusals.push(`rule ${rule.id}: ${chosen}`);
      continue;
    }
    return { outcome: 'routed', ruleId: rule.id, rulesVersion, ...chosen };
  }
  const reason =
    refusals.length === 0
      ? `no rule of version ${rulesVersion} matches this payment (${describe(payment)})`
      : boundedList('no eligible DFSP: ', refusals, '; ');
  return { outcome: 'unroutable', reason, rulesVersion };
}

/** The DFSP chosen within one matching rule, or why none could be (a readable list). */
function chooseInRule(
  rule: RoutingRule,
  payment: PaymentForRouting,
  dfsps: ReadonlyMap<string, DfspForRouting>,
): { dfspId: string; via: 'route' | 'fallback' } | string {
  const why = (dfspId: string) => ineligibility(dfspId, dfsps.get(dfspId), payment);
  const eligibleRoute = rule.route.filter((entry) => why(entry.dfspId) === undefined);
  const picked = pickByWeight(eligibleRoute, payment.paymentId);
  if (picked !== undefined) return { dfspId: picked.dfspId, via: 'route' };
  const fallback = rule.fallback.find((dfspId) => why(dfspId) === undefined);
  if (fallback !== undefined) return { dfspId: fallback, via: 'fallback' };

  const named = [...new Set([...rule.route.map((entry) => entry.dfspId), ...rule.fallback])];
  if (named.length === 0) return 'names no DFSP';
  return named.map((dfspId) => why(dfspId) ?? `${dfspId} not eligible`).join(', ');
}

/** Why a DFSP cannot take a payment, in words; `undefined` when it can. */
function ineligibility(
  dfspId: string,
  dfsp: DfspForRouting | undefined,
  payment: PaymentForRouting,
): string | undefined {
  if (dfsp === undefined) return `${dfspId} is not registered`;
  if (dfsp.suspended) return `${dfspId} suspended`;
  if (!dfsp.healthy) return `${dfspId} unhealthy`;
  if (!dfsp.currencies.includes(payment.currency)) {
    return `${dfspId} does not support ${payment.currency}`;
  }
  if (!dfsp.faTypes.includes(payment.faType)) {
    return `${dfspId} does not support FA type ${payment.faType}`;
  }
  if (dfsp.maxAmountMinor !== undefined && payment.amountMinor > dfsp.maxAmountMinor) {
    return (
      `${dfspId} takes at most ${dfsp.maxAmountMinor} minor units, ` +
      `this payment is ${payment.amountMinor}`
    );
  }
  return undefined;
}

function ruleMatches(when: RuleConditions, payment: PaymentForRouting): boolean {
  const { amountMinor, region } = payment;
  if (when.currency !== undefined && when.currency !== payment.currency) return false;
  if (when.minAmountMinor !== undefined && amountMinor < when.minAmountMinor) return false;
  if (when.maxAmountMinor !== undefined && amountMinor > when.maxAmountMinor) return false;
  if (when.regions !== undefined) {
    if (region === undefined || !when.regions.some((entry) => isWithin(region, entry))) {
      return false;
    }
  }
  if (when.faTypes !== undefined && !when.faTypes.includes(payment.faType)) return false;
  if (when.providers !== undefined && !when.providers.includes(payment.faProvider)) return false;
  if (when.programs !== undefined && !when.programs.includes(payment.programId)) return false;
  return Object.entries(when.attributes ?? {}).every(([name, values]) => {
    const value = payment.attributes[name];
    return value !== undefined && values.includes(value);
  });
}

/** `KE-30-001` is within `KE-30` and `KE`; `KEN` and `KE3` are not within `KE`. */
function isWithin(region: string, entry: string): boolean {
  return region === entry || region.startsWith(`${entry}-`);
}

/**
 * The entry whose cumulative-weight interval holds the payment's point in [0, total weight).
 * Integer arithmetic in bigint, so the split is exact whatever the weights.
 */
function pickByWeight(entries: readonly RouteEntry[], paymentId: string): RouteEntry | undefined {
  let total = 0n;
  for (const entry of entries) {
    if (!Number.isSafeInteger(entry.weight) || entry.weight < 1) {
      // Published rule sets are validated; a bad weight here is a broken invariant.
      throw new DomainError(
        'routing_weight_invalid',
        `weight of ${entry.dfspId} is not a positive integer`,
      );
    }
    total += BigInt(entry.weight);
  }
  // A 32-bit hash scaled to [0, total): (hash × total) / 2³², exact in bigint.
  let point = (BigInt(hashPaymentId(paymentId)) * total) >> 32n;
  for (const entry of entries) {
    const weight = BigInt(entry.weight);
    if (point < weight) return entry;
    point -= weight;
  }
  return undefined;
}

const utf8 = new TextEncoder();

/**
 * FNV-1a (32-bit) over the id's UTF-8 bytes, then murmur3's finaliser. FNV-1a alone mixes the
 * last bytes poorly into the high bits, which the scaling above uses: sequential ids (`p-1`,
 * `p-2`, …) would land next to each other and skew the split.
 */
function hashPaymentId(paymentId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(paymentId)) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function describe(payment: PaymentForRouting): string {
  return [
    `currency ${payment.currency}`,
    payment.region === undefined ? 'no region' : `region ${payment.region}`,
    `FA type ${payment.faType}`,
    `provider ${payment.faProvider}`,
    `programme ${payment.programId}`,
  ].join(', ');
}

/** `prefix` and as many whole `items` as fit, then "and N more", cut hard if still too long. */
function boundedList(prefix: string, items: readonly string[], separator: string): string {
  const max = MAX_UNROUTABLE_REASON_LENGTH;
  let text = prefix;
  let shown = 0;
  for (const item of items) {
    const left = items.length - shown - 1;
    const next = `${text}${shown === 0 ? '' : separator}${item}`;
    const suffix = left === 0 ? '' : `${separator}and ${left} more`;
    if ((next + suffix).length > max && shown > 0) break;
    text = next;
    shown += 1;
  }
  if (shown < items.length) text += `${separator}and ${items.length - shown} more`;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
