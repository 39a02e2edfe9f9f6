import { type CallbackPlan, type FaultRates, planCallback } from './callbackPlan.js';
import { checkDisbursement } from './disbursementChecks.js';
import type { Outcome } from './referenceBook.js';
import type { Rng } from './rng.js';
import type { Disbursement, DisburseStatusReasonCode } from './wireSchemas.js';

/** What happens to one disbursement of a batch. */
export type ItemPlan =
  | { kind: 'new'; disbursement: Disbursement; outcome: Outcome }
  | { kind: 'duplicate'; referenceId: string };

/** The whole fate of one accepted /disburse, drawn at once. */
export interface BatchPlan {
  items: ItemPlan[];
  callback: CallbackPlan;
}

// Reasons a simulated random rejection carries (spec DisburseStatusReasonCode).
const randomReasons: readonly DisburseStatusReasonCode[] = [
  'rjct.payee_fa.invalid',
  'rjct.amount.invalid',
  'rjct.payer_fa.invalid',
];

/**
 * Plans a batch: a reference already held (or repeated in the batch) is a duplicate; the rest
 * are checked, then rejected at random at `rejectRate`. Every random draw happens here, in
 * request order and a fixed number per item, so one seed gives one run whatever the timing.
 */
export function planBatch(
  disbursements: readonly Disbursement[],
  isHeld: (referenceId: string) => boolean,
  rng: Rng,
  rates: FaultRates,
): BatchPlan {
  const seen = new Set<string>();
  const items: ItemPlan[] = [];
  for (const d of disbursements) {
    const rejectDraw = rng();
    const reasonDraw = rng();
    if (isHeld(d.reference_id) || seen.has(d.reference_id)) {
      items.push({ kind: 'duplicate', referenceId: d.reference_id });
      continue;
    }
    seen.add(d.reference_id);
    const failure = checkDisbursement(d);
    let outcome: Outcome = { status: 'succ' };
    if (failure !== null) {
      outcome = { status: 'rjct', ...failure };
    } else if (rejectDraw < rates.rejectRate) {
      const code =
        randomReasons[Math.floor(reasonDraw * randomReasons.length)] ?? 'rjct.payee_fa.invalid';
      outcome = { status: 'rjct', code, message: 'simulated rejection' };
    }
    items.push({ kind: 'new', disbursement: d, outcome });
  }
  return { items, callback: planCallback(rng, rates) };
}
