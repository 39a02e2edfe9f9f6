import { createHash, randomUUID } from 'node:crypto';
import type { Decider } from '../domain/decider.js';
import { DomainError } from '../domain/domainError.js';
import { assertValidEvent } from '../domain/eventRegistry.js';
import {
  type EventStore,
  MAX_READ_COUNT,
  MAX_STREAMS_PER_READ,
  type NewEvent,
  type RecordedEvent,
  type StreamAppend,
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
  load: (stream: string) => Promise<{ state: State; revision: bigint | undefined }> = (name) =>
    loadState(store, decider, name),
): Promise<Handled<Event, State>> {
  for (let attempt = 1; ; attempt += 1) {
    const { state, revision } = await load(stream);
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

/** One stream's command in a {@link StreamHandler.many}. */
export interface StreamCommand<Command, Event> {
  readonly id: string;
  readonly command: Command;
  readonly options?: HandleOptions<Event>;
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
  /**
   * Runs one command on each of many streams (a group's payments) as {@link handleMany} does:
   * each with its own outcome, in the order given, each stream named once.
   */
  many(
    commands: readonly StreamCommand<Command, Event>[],
    context: CommandContext,
  ): Promise<PromiseSettledResult<Handled<Event, State>>[]>;
  /** Folds the stream of `id` into state; `revision` is undefined for a stream with no events. */
  load(id: string): Promise<{ state: State; revision: bigint | undefined }>;
}

/**
 * Binds a decider to the store and to the name of its streams. With `keepStates`, the states of
 * that many streams last loaded are kept in memory, each with its revision, and a later load reads
 * only the events after it: a batch of 100 chunks is folded once, not once per chunk. A kept state
 * is only ever one folded from events read back from the store, never from events just decided,
 * so it holds what the store's reader (sealing, erasure) made of them; it lasts
 * {@link KEPT_STATE_TTL_MS} at most.
 *
 * @example
 * const payments = commandHandlerFor(store, paymentDecider, paymentStream);
 * await payments(paymentId, { type: 'CancelPayment', by }, context);
 */
export function commandHandlerFor<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamOf: (id: string) => string,
  options: { readonly keepStates?: number } = {},
): StreamHandler<Command, Event, State> {
  const kept =
    options.keepStates === undefined ? undefined : new KeptStates<State>(options.keepStates);
  const load = async (stream: string) => {
    const before = kept?.get(stream);
    const loaded = await loadState(store, decider, stream, before);
    if (loaded.revision !== undefined) {
      kept?.set(stream, {
        state: loaded.state,
        revision: loaded.revision,
        at: before?.at ?? Date.now(),
      });
    }
    return loaded;
  };
  const handle = (
    id: string,
    command: Command,
    context: CommandContext,
    handleOptions?: HandleOptions<Event>,
  ) => handleCommand(store, decider, streamOf(id), command, context, handleOptions, load);
  const many = (commands: readonly StreamCommand<Command, Event>[], context: CommandContext) =>
    handleMany(store, decider, streamOf, commands, context, handle);
  return Object.assign(handle, { many, load: (id: string) => load(streamOf(id)) });
}

/**
 * Runs one command on each of many streams with one read and one append for all of them, not
 * one of each per stream: the streams are read together (`readStreams`), each command decided
 * on its stream's state, and every stream's events appended together (`appendMany`), each at
 * the revision it was decided on. A stream another writer changed in between is decided again
 * on its own (`single`, with its bounded retries); a refusal of the decider or the store is
 * that command's outcome alone. Answers each command's outcome in the order given, working
 * {@link MAX_STREAMS_PER_READ} streams at a time.
 *
 * @example
 * const outcomes = await handleMany(store, paymentDecider, paymentStream, commands, context, one);
 */
export async function handleMany<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  streamOf: (id: string) => string,
  commands: readonly StreamCommand<Command, Event>[],
  context: CommandContext,
  single: (
    id: string,
    command: Command,
    context: CommandContext,
    options?: HandleOptions<Event>,
  ) => Promise<Handled<Event, State>>,
): Promise<PromiseSettledResult<Handled<Event, State>>[]> {
  const outcomes: PromiseSettledResult<Handled<Event, State>>[] = [];
  for (let start = 0; start < commands.length; start += MAX_STREAMS_PER_READ) {
    const part = commands.slice(start, start + MAX_STREAMS_PER_READ);
    const read = await store.readStreams(part.map(({ id }) => ({ stream: streamOf(id) })));
    const decided = part.map((entry, index) =>
      decideOn(decider, streamOf(entry.id), read[index]?.events ?? [], entry, context),
    );
    const toAppend = decided.flatMap((decision) => ('append' in decision ? [decision.append] : []));
    const appended = toAppend.length === 0 ? [] : await store.appendMany(toAppend);
    let next = 0;
    const settled = decided.map(async (decision, index): Promise<Handled<Event, State>> => {
      if ('failed' in decision) throw decision.failed;
      if (!('append' in decision)) return decision.handled;
      const outcome = appended[next];
      next += 1;
      if (outcome !== undefined && 'appended' in outcome) return decision.handled;
      if (outcome?.refused instanceof WrongExpectedRevisionError) {
        const { id, command, options } = part[index] as StreamCommand<Command, Event>;
        return single(id, command, context, options);
      }
      throw outcome?.refused ?? new Error('appendMany answered fewer outcomes than appends');
    });
    outcomes.push(...(await Promise.allSettled(settled)));
  }
  return outcomes;
}

/**
 * The outcomes of a {@link handleMany} when every command must have been handled: the first
 * refusal is thrown (the other commands have run all the same).
 */
export function handledOrThrow<Handled>(
  outcomes: readonly PromiseSettledResult<Handled>[],
): Handled[] {
  return outcomes.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}

/** One command decided on its stream's events: nothing to append, an append, or a refusal. */
type Decision<Event, State> =
  | { readonly handled: Handled<Event, State> }
  | { readonly handled: Handled<Event, State>; readonly append: StreamAppend }
  | { readonly failed: unknown };

function decideOn<Command, Event extends DomainEvent, State>(
  decider: Decider<Command, Event, State>,
  stream: string,
  stored: readonly RecordedEvent[],
  { command, options }: StreamCommand<Command, Event>,
  context: CommandContext,
): Decision<Event, State> {
  try {
    const state = foldEvents(decider, decider.initialState(), stored);
    const events = decider.decide(command, state);
    if (events.length === 0) return { handled: { state, decidedOn: state, appended: [] } };
    const last = stored[stored.length - 1];
    return {
      handled: { state: events.reduce(decider.evolve, state), decidedOn: state, appended: events },
      append: {
        stream,
        expected: last === undefined ? 'no_stream' : last.revision,
        events: toNewEvents(events, context, options),
      },
    };
  } catch (error) {
    return { failed: error };
  }
}

/** How long a kept stream state may be used; after that the stream is folded afresh. */
const KEPT_STATE_TTL_MS = 60_000;

/** A stream's state folded up to a revision, first folded from the stream's start `at`. */
interface KeptState<State> {
  readonly state: State;
  readonly revision: bigint;
  readonly at: number;
}

/** The last states of a few streams, by stream name, the oldest dropped first. */
class KeptStates<State> {
  readonly #states = new Map<string, KeptState<State>>();

  constructor(readonly capacity: number) {}

  get(stream: string): KeptState<State> | undefined {
    this.#dropExpired();
    return this.#states.get(stream);
  }

  set(stream: string, kept: KeptState<State>): void {
    this.#dropExpired();
    this.#states.delete(stream);
    this.#states.set(stream, kept);
    if (this.#states.size > this.capacity) {
      const oldest = this.#states.keys().next();
      if (oldest.done !== true) this.#states.delete(oldest.value);
    }
  }

  #dropExpired(): void {
    const now = Date.now();
    for (const [stream, kept] of this.#states) {
      if (now - kept.at > KEPT_STATE_TTL_MS) this.#states.delete(stream);
    }
  }
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

/**
 * Folds a stream into state, from its start or on from a state already folded up to a revision;
 * `revision` is undefined for a stream with no events.
 */
export async function loadState<Event extends DomainEvent, State>(
  store: EventStore,
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  stream: string,
  from?: { readonly state: State; readonly revision: bigint },
): Promise<{ state: State; revision: bigint | undefined }> {
  let state = from?.state ?? decider.initialState();
  let revision: bigint | undefined = from?.revision;
  for (;;) {
    const events = await store.readStream(stream, {
      ...(revision === undefined ? {} : { fromRevision: revision + 1n }),
      maxCount: MAX_READ_COUNT,
    });
    state = foldEvents(decider, state, events);
    revision = events[events.length - 1]?.revision ?? revision;
    if (events.length < MAX_READ_COUNT) return { state, revision };
  }
}

/** Stored events folded into a state. */
function foldEvents<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve'>,
  state: State,
  events: readonly RecordedEvent[],
): State {
  let folded = state;
  // Events were validated against their schemas when written.
  for (const event of events) {
    folded = decider.evolve(folded, { type: event.type, data: event.data } as Event);
  }
  return folded;
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
