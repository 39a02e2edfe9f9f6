import { programmeDecider } from '../domain/programmeDecider.js';
import { type ProgrammeApproval, programmeStream } from '../domain/programmeEvents.js';
import { commandHandlerFor } from './commandHandler.js';
import type { EventStore } from './eventStore.js';
import type { CommandContext } from './ledgerCommands.js';

/** Programme registrations (`PUT /v1/programmes/{programId}`) and what they say. */
export interface ProgrammeCommands {
  /** Records how the programme's batches are approved; the same again records nothing. */
  registerProgramme(
    programId: string,
    registration: { readonly approval: ProgrammeApproval },
    context: CommandContext,
  ): Promise<{ readonly created: boolean; readonly approval: ProgrammeApproval }>;
  /** How the programme's batches are approved: `four-eyes` unless registered otherwise. */
  approvalOf(programId: string): Promise<ProgrammeApproval>;
}

/**
 * {@link ProgrammeCommands} on the event store, one `programme-{programId}` stream each.
 *
 * @example
 * const programmes = programmeCommands(store);
 * await programmes.registerProgramme('CT-OVC', { approval: 'upstream' }, context);
 */
export function programmeCommands(store: EventStore): ProgrammeCommands {
  const programmes = commandHandlerFor(store, programmeDecider, programmeStream);
  return {
    async registerProgramme(programId, { approval }, context) {
      const { appended } = await programmes(
        programId,
        { type: 'RegisterProgramme', programId, approval, by: context.actor },
        context,
      );
      return { created: appended.length > 0, approval };
    },
    async approvalOf(programId) {
      return (await programmes.load(programId)).state.approval;
    },
  };
}
