import { z } from 'zod';
import { CredentialsDescriptor } from './dfspConnection.js';
import { defineEvent, type EventOf, Principal } from './eventSchemas.js';

/** Who approves a programme's batches: a second person here, or the programme system upstream. */
export const PROGRAMME_APPROVALS = ['four-eyes', 'upstream'] as const;
export type ProgrammeApproval = (typeof PROGRAMME_APPROVALS)[number];

export const ProgrammeId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a programme id');

/**
 * The programme's ID-account mapper (a G2P Connect mapper such as OpenG2P SPAR): where the
 * ledger resolves beneficiary ids that are not financial addresses, and which credentials it
 * sends (described, never the values: they are sealed outside the log).
 */
export const IdMapperRegistration = z.strictObject({
  /** The mapper's base URL; the ledger calls `{url}/mapper/sync/resolve`. */
  url: z.url({ protocol: /^https?$/ }).max(2_000),
  credentials: CredentialsDescriptor.optional(),
});
export type IdMapperRegistration = z.infer<typeof IdMapperRegistration>;

/** A programme's registration (`PUT /v1/programmes/{programId}`), each change a new event. */
export const ProgrammeRegistered = defineEvent(
  'ProgrammeRegistered',
  z.strictObject({
    programId: ProgrammeId,
    approval: z.enum(PROGRAMME_APPROVALS),
    /** Absent: the programme has no mapper, and every beneficiary id must be an address. */
    idMapper: IdMapperRegistration.optional(),
    by: Principal,
  }),
);

export const programmeEvents = [ProgrammeRegistered] as const;
export type ProgrammeEvent = EventOf<(typeof programmeEvents)[number]>;

/** The stream of a programme's registration. */
export const programmeStream = (programId: string) => `programme-${programId}`;
