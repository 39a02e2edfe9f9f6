import { batchDecider } from '../domain/batchDecider.js';
import { batchStream } from '../domain/batchEvents.js';
import { beneficiaryDecider } from '../domain/beneficiaryDecider.js';
import { beneficiaryKeyStream } from '../domain/beneficiaryEvents.js';
import { dfspDecider } from '../domain/dfspDecider.js';
import { dfspStream } from '../domain/dfspEvents.js';
import { paymentDecider } from '../domain/paymentDecider.js';
import { paymentStream } from '../domain/paymentEvents.js';
import { routingRulesDecider } from '../domain/routingRulesDecider.js';
import { ROUTING_RULES_STREAM } from '../domain/routingRulesEvents.js';
import { commandHandlerFor } from './commandHandler.js';
import type { EventStore } from './eventStore.js';

/**
 * The ledger's kinds of stream, each decider bound to the store once. Commands name a stream by
 * its business id; the routing rules are one stream (`ROUTING_RULES_STREAM` is its id). With
 * `keepBatches` (the command API, where a batch's chunks arrive one after another) the last
 * batches folded are kept in memory, so adding a chunk reads only its own event.
 *
 * @example
 * const { payments } = ledgerStreams(store);
 * const { state } = await payments.load(paymentId);
 */
export function ledgerStreams(store: EventStore, options: { readonly keepBatches?: boolean } = {}) {
  return {
    batches: commandHandlerFor(
      store,
      batchDecider,
      batchStream,
      options.keepBatches === true ? { keepStates: BATCHES_KEPT } : {},
    ),
    payments: commandHandlerFor(store, paymentDecider, paymentStream),
    dfsps: commandHandlerFor(store, dfspDecider, dfspStream),
    routingRules: commandHandlerFor(store, routingRulesDecider, () => ROUTING_RULES_STREAM),
    beneficiaryKeys: commandHandlerFor(store, beneficiaryDecider, beneficiaryKeyStream),
  };
}

/** Batches whose state is kept in memory with `keepBatches` (100,000 payments: about 25 MB). */
const BATCHES_KEPT = 4;

export type LedgerStreams = ReturnType<typeof ledgerStreams>;
