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

  it('records nothing when the mapper in force comes again with its credentials set anew', () => {
    const idMapper = (setAt: string) => ({
      url: 'https://spar.example.gov/spar/v1',
      credentials: {
        auth: 'bearer' as const,
        clientTls: false,
        fingerprint: '0123456789abcdef',
        setAt,
      },
    });
    const withMapper: ProgrammeEvent = {
      type: 'ProgrammeRegistered',
      data: {
        programId: 'CT-OVC',
        approval: 'four-eyes',
        idMapper: idMapper('2026-12-01T00:00:00.000Z'),
        by: 'user:ada',
      },
    };
    given([withMapper])
      .when({ ...register('four-eyes'), idMapper: idMapper('2026-12-07T00:00:00.000Z') })
      .thenNothingHappened();
    given([withMapper])
      .when(register('four-eyes'))
      .thenMatches([{ type: 'ProgrammeRegistered', data: { approval: 'four-eyes' } }]);
  });
});
