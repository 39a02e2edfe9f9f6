import { describe, it } from 'vitest';
import { type ProgrammeCommand, programmeDecider } from '../../src/domain/programmeDecider.js';
import type { ProgrammeEvent } from '../../src/domain/programmeEvents.js';
import { deciderSpecification } from '../support/deciderSpecification.js';

/** How a programme's batches are approved, as specifications. */

const { given } = deciderSpecification(programmeDecider);

const register = (approval: 'four-eyes' | 'upstream'): ProgrammeCommand => ({
  type: 'RegisterProgramme',
  programId: 'CT-OVC',
  approval,
  by: 'user:ada',
});
const registered = (approval: 'four-eyes' | 'upstream'): ProgrammeEvent => ({
  type: 'ProgrammeRegistered',
  data: { programId: 'CT-OVC', approval, by: 'user:ada' },
});

describe('registering a programme', () => {
  it('records a first registration, even of the default four eyes', () => {
    given([])
      .when(register('four-eyes'))
      .then([registered('four-eyes')]);
  });

  it('records a change of approval', () => {
    given([registered('four-eyes')])
      .when(register('upstream'))
      .then([registered('upstream')]);
  });

  it('records nothing when the approval in force is registered again', () => {
    given([registered('upstream')])
      .when(register('upstream'))
      .thenNothingHappened();
  });
});
