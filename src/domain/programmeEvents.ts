import { z } from 'zod';
import { defineEvent, type EventOf, Principal } from './eventSchemas.js';

/** Who approves a programme's batches: a second person here, or the programme system upstream. */
export const PROGRAMME_APPROVALS = ['four-eyes', 'upstream'] as const;
export type ProgrammeApproval = (typeof PROGRAMME_APPROVALS)[number];

export const ProgrammeId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a programme id');

/** A programme's registration (`PUT /v1/programmes/{programId}`), each change a new event. */
export const ProgrammeRegistered = defineEvent(
  'ProgrammeRegistered',
  z.strictObject({
    programId: ProgrammeId,
    approval: z.enum(PROGRAMME_APPROVALS),
    by: Principal,
  }),
);

export const programmeEvents = [ProgrammeRegistered] as const;
export type ProgrammeEvent = EventOf<(typeof programmeEvents)[number]>;

/** The stream of a programme's registration. */
export const programmeStream = (programId: string) => `programme-${programId}`;
