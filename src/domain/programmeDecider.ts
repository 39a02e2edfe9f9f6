import type { ProgrammeApproval, ProgrammeEvent } from './programmeEvents.js';

export type ProgrammeCommand = {
  readonly type: 'RegisterProgramme';
  readonly programId: string;
  readonly approval: ProgrammeApproval;
  readonly by: string;
};

export interface ProgrammeState {
  /** False before the first registration: a programme never registered approves four eyes. */
  readonly registered: boolean;
  readonly approval: ProgrammeApproval;
}

/**
 * The programme decider: a registration records how the programme's batches are approved.
 * Registering what is in force again records nothing.
 *
 * @example
 * programmeDecider.decide(
 *   { type: 'RegisterProgramme', programId: 'CT-OVC', approval: 'upstream', by: 'user:ada' },
 *   programmeDecider.initialState(),
 * ); // [{ type: 'ProgrammeRegistered', data: { programId: 'CT-OVC', approval: 'upstream', … } }]
 */
export const programmeDecider = {
  initialState(): ProgrammeState {
    return { registered: false, approval: 'four-eyes' };
  },

  evolve(_state: ProgrammeState, event: ProgrammeEvent): ProgrammeState {
    return { registered: true, approval: event.data.approval };
  },

  decide(command: ProgrammeCommand, state: ProgrammeState): ProgrammeEvent[] {
    if (state.registered && state.approval === command.approval) return [];
    return [
      {
        type: 'ProgrammeRegistered',
        data: { programId: command.programId, approval: command.approval, by: command.by },
      },
    ];
  },
};
