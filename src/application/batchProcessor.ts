import type { BatchState } from '../domain/batchDecider.js';
import type { PaymentLine } from '../domain/batchEvents.js';
import { DomainError } from '../domain/domainError.js';
import { paymentDecider } from '../domain/paymentDecider.js';
import { type PaymentEvent, paymentStream } from '../domain/paymentEvents.js';
import type { PaymentState } from '../domain/paymentState.js';
import { isErased } from '../domain/personalData.js';
import { abortableSleep } from './abortableSleep.js';
import { deterministicEventId, toNewEvents } from './commandHandler.js';
import type { EventStore, RecordedEvent, StreamAppend } from './eventStore.js';
import type { Reactor } from './feedConsumer.js';
import { type IdMapper, type IdResolution, MAX_IDS_PER_RESOLUTION } from './idMapper.js';
import { mapInChunks } from './inChunks.js';
import type { CommandContext } from './ledgerCommands.js';
import { type LedgerStreams, ledgerStreams } from './ledgerStreams.js';
import type { ReadModelQueries } from './readModels.js';
import { loadRoutingContext, type RoutingContext } from './routingContext.js';

/** Payments instructed in one append: enough to fill a group commit, few enough to bound memory. */
const FAN_OUT_PAGE = 1_000;
const REROUTE_PAGE = 1_000;
/** Unroutable payments routed again at once. */
const REROUTE_CONCURRENCY = 250;

/**
 * The batch processor reacts to the feed: an approved batch fans out into one `payment-{id}`
 * stream per payment, each instructed and routed in one append; a cancelled batch cancels every
 * payment not yet sent; a change of DFSPs or rules routes `unroutable` payments again. Its
 * effects are appends, idempotent by deterministic event ids or by the deciders, so a crash
 * between an append and the checkpoint redoes the work without duplicating it.
 */
export function batchProcessor(
  store: EventStore,
  queries: ReadModelQueries,
  idMapper: IdMapper,
): Reactor {
  const streams = ledgerStreams(store);
  return {
    name: 'batch-processor',
    filter: {
      eventTypes: [
        'BatchApproved',
        'BatchCancelled',
        'DfspRegistered',
        'DfspUpdated',
        'DfspResumed',
        'DfspHealthChanged',
        'RoutingRulesPublished',
      ],
    },
    async react(events, signal) {
      for (const event of events) {
        const context = contextOf(event);
        if (event.type === 'BatchApproved')
          await fanOut({ store, streams, idMapper }, batchIdOf(event), context, signal);
        else if (event.type === 'BatchCancelled')
          await cancelUnsent(streams, batchIdOf(event), context, signal);
        else await rerouteUnroutable({ store, streams, queries }, event.position, context, signal);
      }
    },
  };
}

interface FanOutDependencies {
  readonly store: EventStore;
  readonly streams: LedgerStreams;
  readonly idMapper: IdMapper;
}

/**
 * Instructs and routes every payment of an approved batch. Lines whose beneficiary id is not an
 * address are resolved through the programme's ID mapper first, a page at a time; a mapper that
 * cannot be asked stops the fan-out (`IdMapperUnavailable`), to be redone from that page on by
 * the next run: nothing is routed on a guess.
 */
async function fanOut(
  deps: FanOutDependencies,
  batchId: string,
  context: CommandContext,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { state } = await deps.streams.batches.load(batchId);
  const opened = state.opened;
  if (state.status !== 'approved' || opened === undefined) return;
  const routing = await loadRoutingContext(deps.streams);
  const lines = state.chunks.flat();
  const instruct = async (page: readonly LineToInstruct[]) => {
    signal?.throwIfAborted();
    await appendAll(
      deps.store,
      page.map((line) => instructionOf(opened, line, routing, context)),
    );
  };
  if (lines.every((line) => line.payeeFa !== undefined || isErased(line))) {
    for (let start = 0; start < lines.length; start += FAN_OUT_PAGE) {
      await instruct(lines.slice(start, start + FAN_OUT_PAGE).map((line) => ({ line })));
    }
    return;
  }
  for (let start = 0; start < lines.length; start += MAX_IDS_PER_RESOLUTION) {
    const page = lines.slice(start, start + MAX_IDS_PER_RESOLUTION);
    const toResolve = page.filter((line) => line.payeeFa === undefined && !isErased(line));
    const payees = await deps.idMapper.resolve(
      opened.programId,
      toResolve.map((line) => line.beneficiaryId),
    );
    await instruct(page.map((line) => ({ line, payee: payees.get(line.beneficiaryId) })));
  }
}

/** Appends every stream's events in one call; the first refusal is thrown once all are done. */
async function appendAll(store: EventStore, appends: readonly StreamAppend[]): Promise<void> {
  for (const outcome of await store.appendMany(appends)) {
    if ('refused' in outcome) throw outcome.refused;
  }
}

/** A payment line, and what the ID mapper said of its beneficiary id when it was asked. */
interface LineToInstruct {
  readonly line: PaymentLine;
  readonly payee?: IdResolution | undefined;
}

/**
 * The payment's first append: instructed and routed together, under ids derived from its id. A
 * redo appends the same ids to a stream that has them: the store answers the first result.
 */
function instructionOf(
  opened: NonNullable<BatchState['opened']>,
  { line, payee }: LineToInstruct,
  routing: RoutingContext,
  context: CommandContext,
): StreamAppend {
  const { paymentId, amountMinor, ...rest } = line;
  const resolved =
    payee?.kind === 'resolved'
      ? { payeeFa: payee.payeeFa, payeeResolvedBy: 'id-mapper' as const }
      : {};
  const instructed = paymentDecider.decide(
    {
      type: 'InstructPayment',
      data: {
        ...rest,
        ...resolved,
        paymentId,
        amountMinor,
        batchId: opened.batchId,
        programId: opened.programId,
        currency: opened.currency,
      },
    },
    paymentDecider.initialState(),
  );
  const state = instructed.reduce(paymentDecider.evolve, paymentDecider.initialState());
  const events = [
    ...instructed,
    ...(payee?.kind === 'unresolved'
      ? paymentDecider.decide(
          {
            type: 'RoutePayment',
            decision: {
              outcome: 'unroutable',
              reason: payee.reason,
              rulesVersion: routing.version,
            },
          },
          state,
        )
      : routeOrCancel(state, opened, routing, context)),
  ];
  return {
    stream: paymentStream(paymentId),
    expected: 'no_stream',
    events: toNewEvents(events, context, {
      eventId: (_event, index) => deterministicEventId(`${paymentId}:fan-out:${index}`),
    }),
  };
}

/**
 * The payment's route, or its cancellation when its beneficiary was erased before the batch was
 * approved: nobody can read its payee any more, so it goes nowhere.
 */
function routeOrCancel(
  state: PaymentState,
  opened: { readonly currency: string; readonly programId: string },
  routing: RoutingContext,
  context: CommandContext,
): PaymentEvent[] {
  const line = state.instructed;
  if (line === undefined) return [];
  if (isErased(line)) {
    const reason = 'beneficiary erased';
    return paymentDecider.decide({ type: 'CancelPayment', by: context.actor, reason }, state);
  }
  const decision = routing.route({
    ...line,
    amountMinor: BigInt(line.amountMinor),
    currency: opened.currency,
    programId: opened.programId,
  });
  return paymentDecider.decide({ type: 'RoutePayment', decision }, state);
}

async function cancelUnsent(
  streams: LedgerStreams,
  batchId: string,
  context: CommandContext,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { state } = await streams.batches.load(batchId);
  const lines = state.chunks.flat();
  for (let start = 0; start < lines.length; start += FAN_OUT_PAGE) {
    signal?.throwIfAborted();
    const outcomes = await streams.payments.many(
      lines.slice(start, start + FAN_OUT_PAGE).map(({ paymentId }) => ({
        id: paymentId,
        command: { type: 'CancelPayment', by: context.actor },
      })),
      context,
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') continue;
      const error: unknown = outcome.reason;
      // Never instructed (cancelled before approval) or already with a DFSP: nothing to cancel.
      if (
        !(error instanceof DomainError) ||
        !['payment_not_found', 'payment_already_sent'].includes(error.code)
      )
        throw error;
    }
  }
}

interface RerouteDependencies {
  readonly store: EventStore;
  readonly streams: LedgerStreams;
  readonly queries: ReadModelQueries;
}

/**
 * Routes again every `unroutable` payment, by the rules and DFSPs in force. They are listed from
 * the payments read model, which may lag the feed: it is first awaited up to the event that
 * asked for this (`position`), or a payment made unroutable just before a DFSP came back would
 * be missed and stay unroutable for good.
 */
async function rerouteUnroutable(
  { store, streams, queries }: RerouteDependencies,
  position: bigint,
  context: CommandContext,
  signal: AbortSignal | undefined,
) {
  await readModelAt(store, queries, position, signal);
  const routing = await loadRoutingContext(streams);
  let after: string | undefined;
  for (;;) {
    const ids = await queries.listUnroutablePaymentIds(REROUTE_PAGE, after);
    await mapInChunks(
      ids,
      REROUTE_CONCURRENCY,
      async (paymentId) => {
        const { state } = await streams.payments.load(paymentId);
        const payment = state.instructed;
        // An erased beneficiary's payment is cancelled by the erasure, never routed again; one
        // whose beneficiary id the mapper did not resolve has no address to route by.
        if (state.status !== 'unroutable' || payment === undefined || isErased(payment)) return;
        if (payment.payeeFa === undefined) return;
        const decision = routing.route({ ...payment, amountMinor: BigInt(payment.amountMinor) });
        await streams.payments(paymentId, { type: 'RoutePayment', decision }, context);
      },
      signal,
    );
    if (ids.length < REROUTE_PAGE) return;
    after = ids[ids.length - 1];
  }
}

/** How long a reroute waits for the payments read model before it fails, to be redone later. */
const READ_MODEL_WAIT_MS = 60_000;

/**
 * Resolves once the payments read model has applied every event it reads up to `position`: its
 * checkpoint is there, or no event it reads lies between its checkpoint and `position`.
 */
async function readModelAt(
  store: EventStore,
  queries: ReadModelQueries,
  position: bigint,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + READ_MODEL_WAIT_MS;
  const stop = signal ?? new AbortController().signal;
  const behind = async () => {
    const { through, reads } = await queries.paymentsReadModelProgress();
    if (through >= position) return false;
    const { events } = await store.readAll({ after: through, limit: 1, filter: reads });
    const next = events[0];
    return next !== undefined && next.position <= position;
  };
  while (await behind()) {
    if (stop.aborted) throw new Error('stopping before the payments read model caught up');
    if (Date.now() > deadline) {
      throw new Error(
        `the payments read model has not reached position ${position} in ` +
          `${READ_MODEL_WAIT_MS} ms: unroutable payments cannot be listed yet`,
      );
    }
    await abortableSleep(100, stop);
  }
}

function contextOf(event: RecordedEvent): CommandContext {
  return {
    actor: 'process:batch-processor',
    correlationId: event.metadata.correlationId,
    causationId: event.id,
  };
}

function batchIdOf(event: RecordedEvent): string {
  const data = event.data as { readonly batchId?: unknown };
  if (typeof data.batchId !== 'string') throw new Error(`${event.type} ${event.id} has no batchId`);
  return data.batchId;
}
