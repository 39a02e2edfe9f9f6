import type { PaymentView } from '../application/readModels.js';
import type { ApiPrincipal, Role } from './auth.js';
import { maskIdentifier, maskName, maskPayeeFa } from './masking.js';
import type { EventJson } from './recordedEvents.js';

/** The roles that see personal data whole (DESIGN.md, "Trust"); a `reporter` sees it masked. */
const SEES_PERSONAL_DATA: readonly Role[] = ['operator', 'approver', 'auditor'];

const HIDDEN = '***';

/** How each personal field of an event's data is masked, by its name wherever it appears. */
const MASKS: Readonly<Record<string, (text: string) => string>> = {
  payeeFa: maskPayeeFa,
  payeeName: maskName,
  beneficiaryId: maskIdentifier,
  purpose: () => HIDDEN,
  notes: () => HIDDEN,
  evidence: () => HIDDEN,
};

// Event data nests a few levels (`PaymentsAdded` → payments → attributes); anything deeper is no
// event of ours, and is hidden rather than walked.
const MAX_DEPTH = 8;

/**
 * Whether `principal` sees payee names, financial addresses, beneficiary ids, purposes and notes
 * whole: it holds `operator`, `approver` or `auditor`. Anyone else who may read them (a
 * `reporter`) gets them masked.
 *
 * @example
 * seesPersonalData({ name: 'rita', roles: ['reporter'] }); // false
 */
export function seesPersonalData(principal: ApiPrincipal | undefined): boolean {
  return principal?.roles.some((role) => SEES_PERSONAL_DATA.includes(role)) ?? false;
}

/**
 * A payment as a reader who may not see personal data sees it: `payeeFa`
 * (`account:****0300@bank-a`), `payeeName` (`J*** D***`) and `beneficiaryId` (`****0123`)
 * masked, everything else as it is.
 */
export function maskPayment(payment: PaymentView): PaymentView {
  return {
    ...payment,
    beneficiaryId: maskIdentifier(payment.beneficiaryId),
    payeeFa: payment.payeeFa === null ? null : maskPayeeFa(payment.payeeFa),
    payeeName: payment.payeeName === null ? null : maskName(payment.payeeName),
  };
}

/**
 * An event as a reader who may not see personal data sees it: every `payeeFa`, `payeeName`,
 * `beneficiaryId`, `purpose` and `notes` in its data masked, at any depth (`PaymentInstructed` holds them at
 * the top, `PaymentsAdded` in each of its `payments`), so an event type added later is masked
 * too as long as it names them the same way.
 */
export function maskEvent(event: EventJson): EventJson {
  return { ...event, data: maskData(event.data, 0) };
}

function maskData(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return HIDDEN;
  if (Array.isArray(value)) return value.map((item) => maskData(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => {
      const mask = Object.hasOwn(MASKS, key) ? MASKS[key] : undefined;
      return [
        key,
        mask !== undefined && typeof field === 'string' ? mask(field) : maskData(field, depth + 1),
      ];
    }),
  );
}
