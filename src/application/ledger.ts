import { monotonicFactory } from 'ulid';
import { type DfspUrlPolicy, STRICT_DFSP_URL_POLICY } from '../domain/dfspUrlPolicy.js';
import { batchCommands } from './batchCommands.js';
import { eraseBeneficiary, type UnsentPaymentsOf } from './beneficiaryErasure.js';
import type { ConnectionCatalogue } from './connectionCatalogue.js';
import { dfspCommands } from './dfspCommands.js';
import type { DfspSecrets } from './dfspSecrets.js';
import type { EventStore } from './eventStore.js';
import type { LedgerCommands } from './ledgerCommands.js';
import { ledgerStreams } from './ledgerStreams.js';
import { paymentCommands } from './paymentCommands.js';
import type { PersonalDataVault } from './personalDataVault.js';
import { routingRuleCommands } from './routingRuleCommands.js';
import { importStatements, type SucceededPayments } from './statementImport.js';

/**
 * The ledger's command side: each call is one command on one stream, through that kind of
 * stream's bound handler ({@link ledgerStreams}). Ids are drawn here (ULIDs, monotonic so payment
 * ids sort in the order they were added), never in the domain.
 *
 * @example
 * const commands = createLedgerCommands({ store, secrets, personalData, unsentPaymentsOf });
 * await commands.approveBatch(batchId, { actor: 'user:bob', correlationId, causationId: null });
 */
export function createLedgerCommands(deps: {
  readonly store: EventStore;
  readonly secrets: DfspSecrets;
  /** Shipped mapping profiles, and the check of a DFSP's own mapping. */
  readonly connections: ConnectionCatalogue;
  /** Beneficiaries' keys, which erasure destroys. */
  readonly personalData: PersonalDataVault;
  /** A beneficiary key's payments that may not have been sent yet (the read model). */
  readonly unsentPaymentsOf: UnsentPaymentsOf;
  /** Sendings to one route before a payment its DFSP never took fails (`DISPATCH_MAX_ATTEMPTS`). */
  readonly maxAttemptsPerRoute?: number;
  /** What a statement's period should list (the read model); without it none is found missing. */
  readonly succeededPayments?: SucceededPayments;
  /** Where DFSPs may be reached; https and no local or metadata host by default. */
  readonly dfspUrlPolicy?: DfspUrlPolicy;
}): LedgerCommands {
  const { store } = deps;
  const streams = ledgerStreams(store, { keepBatches: true });
  const newId = monotonicFactory();
  const succeededPayments = deps.succeededPayments ?? (async () => []);
  return {
    ...dfspCommands(
      streams,
      deps.secrets,
      deps.dfspUrlPolicy ?? STRICT_DFSP_URL_POLICY,
      deps.connections,
    ),
    ...routingRuleCommands(streams, newId),
    ...batchCommands(streams, newId),
    ...paymentCommands(streams, deps.maxAttemptsPerRoute ?? DEFAULT_MAX_ATTEMPTS_PER_ROUTE),
    eraseBeneficiary: (beneficiaryId, reason, context) =>
      eraseBeneficiary(
        { streams, vault: deps.personalData, unsentPaymentsOf: deps.unsentPaymentsOf },
        beneficiaryId,
        reason,
        context,
      ),
    importStatements: (dfspId, file, context) =>
      importStatements({ store, streams, succeededPayments }, dfspId, file, context),
  };
}

const DEFAULT_MAX_ATTEMPTS_PER_ROUTE = 5;
