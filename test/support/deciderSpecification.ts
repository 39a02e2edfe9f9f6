import { DeciderSpecification } from '@event-driven-io/emmett';
import { expect } from 'vitest';
import type { Decider } from '../../src/domain/decider.js';
import { DomainError } from '../../src/domain/domainError.js';
import { assertValidEvent } from '../../src/domain/eventRegistry.js';

type DeepPartial<T> = T extends readonly (infer Item)[]
  ? readonly DeepPartial<Item>[]
  : T extends object
    ? { readonly [Key in keyof T]?: DeepPartial<T[Key]> }
    : T;

/** An event as far as a specification cares: its type, and any part of its data. */
export type EventMatching<Event> = Event extends {
  readonly type: infer Type;
  readonly data: infer Data;
}
  ? { readonly type: Type; readonly data?: DeepPartial<Data> }
  : never;

/** What a refusal must carry besides its code. */
export type RefusalDetails = Partial<Pick<DomainError, 'path' | 'message'>>;

/** The outcomes a specification can state, once its past events and its command are set. */
export interface DeciderThen<Event> {
  /** Exactly these new events, in this order. */
  then(expected: Event[]): void;
  /** As many new events as `expected`, in its order, each holding what its match holds. */
  thenMatches(expected: EventMatching<Event>[]): void;
  /** No new event: the command changes nothing. */
  thenNothingHappened(): void;
  /** A `DomainError` with this code (and, when given, this path or message) refuses the command. */
  thenThrows(code: string, details?: RefusalDetails): void;
}

export interface DeciderSpec<Command, Event, State> {
  given(events: Event[]): { when(command: Command): DeciderThen<Event> };
  /**
   * The state these events fold into, for the few facts a specification cannot state as events
   * (a status, a counter): Emmett's `then` compares events only.
   */
  stateAfter(events: Event[]): State;
}

/**
 * A decider's rules as specifications, on Emmett's `DeciderSpecification`: given these past
 * events, when this command, then these new events (or this refusal). Every event, given or
 * decided, must pass its zod schema, as the command handler requires before it appends.
 *
 * Emmett's `then` matches each expected event as a subset, in any order; `then` here also holds
 * the events to be exactly those expected, in order, and shows vitest's diff when they are not.
 *
 * @example
 * const batch = deciderSpecification(batchDecider);
 * batch.given([opened]).when({ type: 'CancelBatch', by: 'user:alice' }).then([cancelled]);
 * batch.given([]).when({ type: 'CancelBatch', by: 'user:alice' }).thenThrows('batch_not_found');
 */
export function deciderSpecification<
  Command,
  Event extends { readonly type: string; readonly data: unknown },
  State,
>(decider: Decider<Command, Event, State>): DeciderSpec<Command, Event, State> {
  const evolve = (state: State, event: Event): State => {
    assertValidEvent(event);
    return decider.evolve(state, event);
  };
  const stateAfter = (events: Event[]) => events.reduce(evolve, decider.initialState());

  const given = (history: Event[]) => ({
    when(command: Command): DeciderThen<Event> {
      /** What the decider decided, once Emmett has run it: undefined if it threw. */
      let produced: Event[] | undefined;
      const emmett = DeciderSpecification.for({
        initialState: () => decider.initialState(),
        evolve,
        decide: (decided: Command, state: State): Event[] => {
          produced = undefined;
          const events = decider.decide(decided, state);
          for (const event of events) assertValidEvent(event);
          produced = events;
          return events;
        },
      })(history).when(command);
      return {
        // biome-ignore lint/suspicious/noThenProperty: Emmett's given/when/then; never awaited.
        then(expected) {
          try {
            emmett.then(expected);
          } finally {
            if (produced !== undefined) expect(produced).toStrictEqual(expected);
          }
        },
        thenMatches(expected) {
          try {
            // Emmett's `then` is itself a partial match; its type asks for whole events.
            emmett.then(expected as unknown as Event[]);
          } finally {
            if (produced !== undefined) expect(produced).toMatchObject(expected);
          }
        },
        thenNothingHappened: () => emmett.thenNothingHappened(),
        thenThrows(code, details = {}) {
          emmett.thenThrows<DomainError>(DomainError, (error) => {
            // Throws vitest's diff of the refusal when it is another one.
            expect(error).toMatchObject({ code, ...details });
            return true;
          });
        },
      };
    },
  });

  return { given, stateAfter };
}
