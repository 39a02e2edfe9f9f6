import { DomainError } from '../domain/domainError.js';
import type { EventStore } from './eventStore.js';
import { mapInChunks } from './inChunks.js';
import type { CommandContext, ErasureOutcome } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';
import type { PersonalDataVault } from './personalDataVault.js';

/** The payment ids of a beneficiary key that may not have been sent yet (the read model). */
export type UnsentPaymentsOf = (beneficiaryKey: string) => Promise<readonly string[]>;

/** Payment streams cancelled at once. */
const CANCEL_CONCURRENCY = 20;

/**
 * Crypto-shreds one beneficiary's personal data, in an order that a crash at any point leaves
 * safe to run again: cancel the payments not yet sent (so none is sent to an address nobody can
 * read any more), record `BeneficiaryErased` (once), then destroy the key. Payments in a batch
 * not yet approved have no stream to cancel: the fan-out cancels them when it finds them erased.
 * Refused with `beneficiary_not_found` when no personal data of the beneficiary is held (never
 * seen, or erased already); service start-up destroys the key of an erasure recorded but not
 * completed ({@link completeRecordedErasures}).
 */
export async function eraseBeneficiary(
  deps: {
    readonly streams: LedgerStreams;
    readonly vault: PersonalDataVault;
    readonly unsentPaymentsOf: UnsentPaymentsOf;
  },
  beneficiaryId: string,
  reason: string,
  context: CommandContext,
): Promise<ErasureOutcome> {
  const { streams, vault } = deps;
  const beneficiaryKey = await vault.keyOf(beneficiaryId);
  if (beneficiaryKey === undefined) {
    throw new DomainError(
      'beneficiary_not_found',
      'no personal data of this beneficiary is held: never seen, or erased already',
      ['beneficiaryId'],
    );
  }
  const paymentIds = await deps.unsentPaymentsOf(beneficiaryKey);
  const outcomes = await mapInChunks(paymentIds, CANCEL_CONCURRENCY, (paymentId) =>
    cancelUnsent(streams, paymentId, context),
  );
  await streams.beneficiaryKeys(
    beneficiaryKey,
    { type: 'RecordErasure', beneficiaryKey, by: context.actor, reason },
    context,
  );
  await vault.destroy(beneficiaryKey);
  return {
    beneficiaryKey,
    cancelledPayments: outcomes.filter((cancelled) => cancelled).length,
  };
}

async function cancelUnsent(
  streams: LedgerStreams,
  paymentId: string,
  context: CommandContext,
): Promise<boolean> {
  try {
    await streams.payments(
      paymentId,
      { type: 'CancelPayment', by: context.actor, reason: 'beneficiary erased' },
      context,
    );
    return true;
  } catch (error) {
    // Sent meanwhile (it goes on), or a line of a batch not yet approved (no stream yet).
    const skipped = ['payment_already_sent', 'payment_not_found'];
    if (error instanceof DomainError && skipped.includes(error.code)) return false;
    throw error;
  }
}

/**
 * Destroys the key of every erasure the log records, so an erasure whose process stopped
 * between the record and the destruction is completed. Answers how many keys it destroyed
 * (0 when every erasure was complete).
 */
export async function completeRecordedErasures(
  store: EventStore,
  vault: PersonalDataVault,
): Promise<number> {
  let destroyed = 0;
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({
      limit: 1_000,
      filter: { eventTypes: ['BeneficiaryErased'] },
      ...(after === undefined ? {} : { after }),
    });
    for (const event of page.events) {
      const { beneficiaryKey } = event.data as { readonly beneficiaryKey: string };
      if (await vault.destroy(beneficiaryKey)) destroyed += 1;
    }
    if (page.next === undefined || (page.events.length === 0 && page.next === after)) {
      return destroyed;
    }
    after = page.next;
  }
}
