import type { PaymentView } from './readModels.js';

/** The most references one {@link ProgrammeReferences} lookup may name. */
export const MAX_REFERENCE_LOOKUPS = 1_000;

/**
 * Finds payments by the programme system's own reference alone, across the batches of the given
 * programmes (the G2P Bridge names a disbursement by its id only, never with its envelope).
 * Answers those found, in no particular order; a reference two of the programmes' batches share
 * answers both.
 *
 * @example
 * const payments = await lookup(['D-1', 'D-2'], ['CT-OVC']);
 */
export type ProgrammeReferences = (
  references: readonly string[],
  programIds: readonly string[],
) => Promise<readonly PaymentView[]>;
