import type { BeneficiaryEvent } from './beneficiaryEvents.js';

export type BeneficiaryCommand = {
  readonly type: 'RecordErasure';
  readonly beneficiaryKey: string;
  readonly by: string;
  readonly reason: string;
};

export interface BeneficiaryKeyState {
  readonly erased: boolean;
}

/**
 * The stream of one beneficiary key: its erasure is recorded once; recording it again (a retry
 * after a crash between the record and the key's destruction) changes nothing.
 */
export const beneficiaryDecider = {
  initialState: (): BeneficiaryKeyState => ({ erased: false }),
  evolve: (_state: BeneficiaryKeyState, _event: BeneficiaryEvent): BeneficiaryKeyState => ({
    erased: true,
  }),
  decide(command: BeneficiaryCommand, state: BeneficiaryKeyState): BeneficiaryEvent[] {
    if (state.erased) return [];
    const { beneficiaryKey, by, reason } = command;
    return [{ type: 'BeneficiaryErased', data: { beneficiaryKey, by, reason } }];
  },
};
