import { withPath } from '../domain/domainError.js';
import { parseAmount } from '../domain/money.js';
import { dfspIdsNamedIn, ROUTING_RULES_STREAM } from '../domain/routingRulesEvents.js';
import type { LedgerCommands } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';
import { loadRoutingContext } from './routingContext.js';

/** Publishing the routing rules, reading them, and trying a payment against them. */
export function routingRuleCommands(
  streams: LedgerStreams,
  newId: () => string,
): Pick<LedgerCommands, 'publishRoutingRules' | 'currentRoutingRules' | 'dryRunRouting'> {
  return {
    async publishRoutingRules(rules, context) {
      const named = dfspIdsNamedIn(rules);
      const known = new Set<string>();
      await Promise.all(
        [...named].map(async (dfspId) => {
          const { revision } = await streams.dfsps.load(dfspId);
          if (revision !== undefined) known.add(dfspId);
        }),
      );
      const { state } = await streams.routingRules(
        ROUTING_RULES_STREAM,
        { type: 'PublishRules', rules, by: context.actor, knownDfspIds: known },
        context,
      );
      return { version: state.version };
    },

    async currentRoutingRules() {
      const { state } = await streams.routingRules.load(ROUTING_RULES_STREAM);
      return { version: state.version, rules: state.rules };
    },

    async dryRunRouting(payment) {
      const amountMinor = withPath(['amount'], () => parseAmount(payment.amount, payment.currency));
      const context = await loadRoutingContext(streams);
      return withPath([], () =>
        context.route({ ...payment, paymentId: payment.paymentId ?? newId(), amountMinor }),
      );
    },
  };
}
