import { createHash, randomUUID } from 'node:crypto';
import type { Decider } from '../domain/decider.js';
import { DomainError } from '../domain/domainError.js';
import { assertValidEvent } from '../domain/eventRegistry.js';
import {
  type EventStore,
  MAX_READ_COUNT,
  type NewEvent,
  WrongExpectedRevisionError,
} from './eventStore.js';
import type { CommandContext } from './ledgerCommands.js';

type DomainEvent = { readonly type: string; readonly data: unknown };

/** Attempts at a command whose stream another writer changed in between; then a 409. */
const MAX_ATTEMPTS = 5;

export interface HandleOptions<Event> {
  /** Event ids for the new events; default random. Deterministic ids make a redo idempotent. */
  readonly eventId?: (event: Event, index: number) => string;
}

export interface Handled<Event, State> {
  /** The stream's state after the command. */
  readonly state: State;
  /** The state the command was decided on (the last attempt's, after any concurrent change). */
  readonly decidedOn: State;
  /** The events this command appended (none when it changed nothing). */
  readonly appended: readonly Event[];
}

/**
 * Runs one command against one stream: load its events, fold them into state, decide, append
 * with the revision the decision was made on. A concurrent writer makes the append fail; the
 * command is then decided again on the new state, a bounded number of times.
 *
 * @example
 * await handleCommand(store, batchDecider, batchStream(id), { type: 'ApproveBatch', by }, context);
 */
export async function handleCommand<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  stream: string,
  command: Command,
  context: CommandContext,
  options: HandleOptions<Event> = {},
): Promise<Handled<Event, State>> {
  for (let attempt = 1; ; attempt += 1) {
    const { state, revision } = await loadState(store, decider, stream);
    const events = decider.decide(command, state);
    if (events.length === 0) return { state, decidedOn: state, appended: [] };
    const newEvents = toNewEvents(events, context, options);
    try {
      await store.append(stream, revision ?? 'no_stream', newEvents);
      return { state: events.reduce(decider.evolve, state), decidedOn: state, appended: events };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new DomainError(
          'concurrent_modification',
          `${stream} kept changing while this command was decided; try again`,
        );
      }
    }
  }
}

/**
 * One kind of stream with its decider, bound to the store once (Emmett's `CommandHandler`):
 * call it with a stream's id to run a command there, or `load` the stream's state.
 */
export interface StreamHandler<Command, Event, State> {
  (
    id: string,
    command: Command,
    context: CommandContext,
    options?: HandleOptions<Event>,
  ): Promise<Handled<Event, State>>;
  /** Folds the stream of `id` into state; `revision` is undefined for a stream with no events. */
  load(id: string): Promise<{ state: State; revision: bigint | undefined }>;
}

/**
 * Binds a decider to the store and to the name of its streams.
 *
 * @example
 * const payments = commandHandlerFor(store, paymentDecider, paymentStream);
 * await payments(paymentId, { type: 'CancelPayment', by }, context);
 */
export function commandHandlerFor<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamOf: (id: string) => string,
): StreamHandler<Command, Event, State> {
  const handle = (
    id: string,
    command: Command,
    context: CommandContext,
    options?: HandleOptions<Event>,
  ) => handleCommand(store, decider, streamOf(id), command, context, options);
  return Object.assign(handle, { load: (id: string) => loadState(store, decider, streamOf(id)) });
}

/**
 * Wraps decided events for the store: checked against their schemas, stamped with the time and
 * the command's context, given ids (deterministic where the caller needs a redo to be a no-op).
 */
export function toNewEvents<Event extends DomainEvent>(
  events: readonly Event[],
  context: CommandContext,
  options: HandleOptions<Event> = {},
): NewEvent[] {
  const occurredAt = new Date().toISOString();
  return events.map((event, index) => {
    assertValidEvent(event);
    return {
      id: options.eventId?.(event, index) ?? randomUUID(),
      type: event.type,
      data: event.data as NewEvent['data'],
      metadata: { occurredAt, ...context },
    };
  });
}

/** Folds a whole stream into state; `revision` is undefined for a stream with no events. */
export async function loadState<Event extends DomainEvent, State>(
  store: EventStore,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  stream: string,
): Promise<{ state: State; revision: bigint | undefined }> {
  let state = decider.initialState();
  let revision: bigint | undefined;
  for (;;) {
    const events = await store.readStream(stream, {
      ...(revision === undefined ? {} : { fromRevision: revision + 1n }),
      maxCount: MAX_READ_COUNT,
    });
    for (const event of events) {
      // Events were validated against their schemas when written.
      state = decider.evolve(state, { type: event.type, data: event.data } as Event);
      revision = event.revision;
    }
    if (events.length < MAX_READ_COUNT) return { state, revision };
  }
}

/**
 * A UUID derived from a name (SHA-256, formatted as a version-8 UUID): the same name always gives
 * the same id, so an append made twice under that name is written once.
 *
 * @example
 * deterministicEventId(`${paymentId}:instructed`);
 */
export function deterministicEventId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  const groups = [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ];
  return groups.join('-');
}
