import { sameJson } from './canonicalJson.js';
import { optional } from './optional.js';
import type { IdMapperRegistration, ProgrammeApproval, ProgrammeEvent } from './programmeEvents.js';

export type ProgrammeCommand = {
  readonly type: 'RegisterProgramme';
  readonly programId: string;
  readonly approval: ProgrammeApproval;
  readonly idMapper?: IdMapperRegistration;
  readonly by: string;
};

export interface ProgrammeState {
  /** False before the first registration: a programme never registered approves four eyes. */
  readonly registered: boolean;
  readonly approval: ProgrammeApproval;
  /** The ID mapper in force, if the programme has one. */
  readonly idMapper?: IdMapperRegistration;
}

/**
 * The programme decider: a registration records how the programme's batches are approved and
 * which ID mapper resolves its beneficiaries. Registering what is in force again (the same
 * credentials, whenever they were set) records nothing.
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
    return {
      registered: true,
      approval: event.data.approval,
      ...optional('idMapper', event.data.idMapper),
    };
  },

  decide(command: ProgrammeCommand, state: ProgrammeState): ProgrammeEvent[] {
    if (
      state.registered &&
      state.approval === command.approval &&
      sameJson(withoutSetAt(state.idMapper), withoutSetAt(command.idMapper))
    ) {
      return [];
    }
    return [
      {
        type: 'ProgrammeRegistered',
        data: {
          programId: command.programId,
          approval: command.approval,
          ...optional('idMapper', command.idMapper),
          by: command.by,
        },
      },
    ];
  },
};

/** A mapper registration as compared: when its credentials were set is not a change. */
function withoutSetAt(idMapper: IdMapperRegistration | undefined) {
  if (idMapper?.credentials === undefined) return idMapper ?? null;
  const { setAt: _setAt, ...credentials } = idMapper.credentials;
  return { ...idMapper, credentials };
}
