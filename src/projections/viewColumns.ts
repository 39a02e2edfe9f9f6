import type {
  DfspView,
  PaymentStatusView,
  PaymentView,
  ReconciliationView,
} from '../application/readModels.js';
import { formatAmount } from '../domain/money.js';

/**
 * A timestamp column as the API shows instants: ISO 8601 in UTC with milliseconds, the spelling
 * of `Date.prototype.toISOString`, the same on both engines whatever the session's time zone.
 */
export const isoTimestamp = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A `payments` row as {@link paymentColumns} selects it. */
export interface PaymentRow {
  readonly payment_id: string;
  readonly batch_id: string;
  readonly reference: string;
  readonly beneficiary_id: string;
  readonly payee_fa: string | null;
  readonly payee_name: string | null;
  readonly amount_minor: string;
  readonly currency: string;
  readonly region: string | null;
  readonly status: PaymentStatusView;
  readonly status_reason: string | null;
  readonly dfsp_id: string | null;
  readonly rule_id: string | null;
  readonly rules_version: number | null;
  readonly attempts: number;
  readonly reconciliation: ReconciliationView;
  readonly created_at: string;
  readonly updated_at: string;
}

/** The select list of a payment, from `payments p`. */
export const paymentColumns = `p.payment_id, p.batch_id, p.reference, p.beneficiary_id,
  p.payee_fa, p.payee_name, p.amount_minor::text AS amount_minor, p.currency, p.region, p.status,
  p.status_reason, p.dfsp_id, p.rule_id, p.rules_version, p.attempts, p.reconciliation,
  ${isoTimestamp('p.created_at')} AS created_at, ${isoTimestamp('p.updated_at')} AS updated_at`;

/** The API's payment, its amount formatted in its currency. */
export function toPaymentView(row: PaymentRow): PaymentView {
  return {
    paymentId: row.payment_id,
    batchId: row.batch_id,
    reference: row.reference,
    beneficiaryId: row.beneficiary_id,
    payeeFa: row.payee_fa,
    payeeName: row.payee_name,
    amount: formatAmount(BigInt(row.amount_minor), row.currency),
    currency: row.currency,
    region: row.region,
    status: row.status,
    statusReason: row.status_reason,
    // A sending whose outcome is unknown leaves the payment submitted with its reason; an
    // acknowledged sending clears it.
    inDoubt: row.status === 'submitted' && row.status_reason !== null,
    dfspId: row.dfsp_id,
    ruleId: row.rule_id,
    rulesVersion: row.rules_version,
    attempts: row.attempts,
    reconciliation: row.reconciliation,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A `dfsps` row as {@link dfspColumns} selects it. */
export interface DfspRow {
  readonly dfsp_id: string;
  readonly name: string;
  readonly connector: string;
  readonly base_url: string;
  readonly payer_fa: string;
  readonly currencies: string[];
  readonly fa_types: string[];
  readonly max_amount: string | null;
  readonly max_batch_size: number | null;
  readonly status: 'active' | 'suspended';
  readonly health: 'healthy' | 'unhealthy';
  readonly registered_at: string;
  readonly updated_at: string;
}

/** The select list of a DFSP, from `dfsps d`. */
export const dfspColumns = `d.dfsp_id, d.name, d.connector, d.base_url, d.payer_fa, d.currencies,
  d.fa_types, d.max_amount, d.max_batch_size, d.status, d.health,
  ${isoTimestamp('d.registered_at')} AS registered_at,
  ${isoTimestamp('d.updated_at')} AS updated_at`;

/** The API's DFSP: its profile and state, never a secret. */
export function toDfspView(row: DfspRow): DfspView {
  return {
    dfspId: row.dfsp_id,
    name: row.name,
    connector: row.connector,
    baseUrl: row.base_url,
    payerFa: row.payer_fa,
    currencies: row.currencies,
    faTypes: row.fa_types,
    maxAmount: row.max_amount,
    maxBatchSize: row.max_batch_size,
    status: row.status,
    health: row.health,
    registeredAt: row.registered_at,
    updatedAt: row.updated_at,
  };
}
