/**
 * A stream's behaviour as three pure functions (the Emmett decider pattern): the state before
 * any event, how one event changes it, and which events a command causes in a state (or a
 * `DomainError` refusing it).
 */
export interface Decider<Command, Event extends { readonly type: string }, State> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}
