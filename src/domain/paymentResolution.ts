import { DomainError } from './domainError.js';
import type { PaymentEvent } from './paymentEvents.js';
import type { PaymentState } from './paymentState.js';

/**
 * Resolving a payment in doubt: its sending's outcome is unknown and its DFSP cannot be asked
 * (the Mojaloop SDK makes up the transfer id) or has not said. It is never sent again blindly.
 * An operator proposes the outcome with evidence; a second principal with the approver role
 * confirms the same outcome, and only then is it applied. Four eyes, as for a batch.
 */
export interface ResolutionRequest {
  readonly outcome: 'succeeded' | 'failed';
  /** Required to propose: what shows the outcome (a statement line, a ticket with the DFSP). */
  readonly evidence?: string;
  readonly by: string;
  /** The caller holds the operator role (may propose). */
  readonly mayPropose: boolean;
  /** The caller holds the approver role (may confirm another's proposal). */
  readonly mayConfirm: boolean;
}

/**
 * A proposal pending from someone else, and a caller who may confirm: a confirmation (the same
 * outcome, or `resolution_mismatch`). Otherwise a proposal (operator, with evidence); proposing
 * the same again changes nothing, a different one replaces it.
 *
 * @example
 * resolveInDoubt({ outcome: 'succeeded', evidence: 'statement 7Q2M line 4', by: 'user:olive',
 *   mayPropose: true, mayConfirm: false }, state); // [PaymentResolutionProposed]
 */
export function resolveInDoubt(request: ResolutionRequest, state: PaymentState): PaymentEvent[] {
  const paymentId = state.instructed?.paymentId;
  if (paymentId === undefined) throw new DomainError('payment_not_found', 'no such payment');
  const dfspId = state.dfspId;
  if (state.status !== 'submitted' || state.inDoubt !== true || dfspId === undefined) {
    throw new DomainError(
      'payment_not_in_doubt',
      `payment is ${state.status}${state.status === 'submitted' ? ' and acknowledged' : ''}: ` +
        'only a payment whose sending has an unknown outcome can be resolved',
    );
  }
  const { proposal } = state;
  if (proposal !== undefined && proposal.by !== request.by && request.mayConfirm) {
    if (proposal.outcome !== request.outcome) {
      throw new DomainError(
        'resolution_mismatch',
        `${proposal.by} proposed ${proposal.outcome}; confirm that, or propose anew`,
        ['outcome'],
      );
    }
    const resolved: PaymentEvent = {
      type: 'PaymentResolved',
      data: {
        paymentId,
        dfspId,
        outcome: proposal.outcome,
        proposedBy: proposal.by,
        by: request.by,
      },
    };
    const applied: PaymentEvent =
      proposal.outcome === 'succeeded'
        ? { type: 'PaymentSucceeded', data: { paymentId, dfspId, source: 'resolution' } }
        : {
            type: 'PaymentFailed',
            data: {
              paymentId,
              dfspId,
              reasonCode: 'resolved.failed',
              reasonMessage:
                `resolved by ${proposal.by} and ${request.by}: ${proposal.evidence}`.slice(
                  0,
                  1_000,
                ),
              source: 'resolution',
            },
          };
    return [resolved, applied];
  }
  const evidence = request.evidence?.trim() ?? '';
  // The proposer "confirming" their own proposal (no new evidence): four eyes say no.
  if (!request.mayPropose || (proposal?.by === request.by && evidence === '')) {
    throw new DomainError(
      'four_eyes',
      proposal === undefined
        ? 'an operator proposes the outcome first; an approver then confirms it'
        : 'the principal who proposed the outcome cannot confirm it',
    );
  }
  if (evidence === '') {
    throw new DomainError('evidence_required', 'say what shows the outcome', ['evidence']);
  }
  const same =
    proposal !== undefined &&
    proposal.by === request.by &&
    proposal.outcome === request.outcome &&
    proposal.evidence === evidence;
  if (same) return [];
  return [
    {
      type: 'PaymentResolutionProposed',
      data: { paymentId, dfspId, outcome: request.outcome, evidence, by: request.by },
    },
  ];
}
