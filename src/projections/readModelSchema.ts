import type { MigrationSet } from '../application/sqlDatabase.js';

/**
 * The read-model tables. `projection_checkpoints` holds, per projection, the position of the
 * last event applied (NULL: none yet), written in the same transaction as the rows. Version 2
 * adds the tables the HTTP API's GETs answer from (`readModels.ts`); version 3 what the
 * dispatcher and the status poller read from `payments`; version 4 what reconciliation needs
 * (`payments.succeeded_at`, `statements`, `reconciliation_discrepancies`); version 5 the key
 * each payment's personal data is sealed under (`payments.beneficiary_key`), for erasure.
 */
export const readModelMigrations: MigrationSet = {
  component: 'read-models',
  migrations: [
    {
      version: 1,
      name: 'projection checkpoints and stream summaries',
      sql: `
CREATE TABLE projection_checkpoints (
  projection text PRIMARY KEY,
  position numeric(20, 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stream_summaries (
  stream_id text PRIMARY KEY,
  category text NOT NULL,
  last_revision bigint NOT NULL,
  last_event_type text NOT NULL,
  first_position numeric(20, 0) NOT NULL,
  last_position numeric(20, 0) NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX stream_summaries_category ON stream_summaries (category, stream_id);
`,
    },
    {
      version: 2,
      name: 'payments, batches, batch payment totals and DFSPs',
      sql: `
CREATE TABLE payments (
  payment_id text PRIMARY KEY,
  batch_id text NOT NULL,
  reference text NOT NULL,
  beneficiary_id text NOT NULL,
  payee_fa text NOT NULL,
  payee_name text,
  amount_minor numeric(20, 0) NOT NULL CHECK (amount_minor > 0),
  currency text NOT NULL,
  region text,
  status text NOT NULL CHECK (status IN ('pending', 'routed', 'unroutable', 'submitted',
    'succeeded', 'failed', 'returned', 'cancelled')),
  status_reason text,
  dfsp_id text,
  rule_id text,
  rules_version integer,
  attempts integer NOT NULL DEFAULT 0,
  reconciliation text NOT NULL DEFAULT 'unreconciled'
    CHECK (reconciliation IN ('unreconciled', 'matched', 'mismatched')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX payments_batch ON payments (batch_id, payment_id);
CREATE INDEX payments_status ON payments (status, payment_id);
CREATE INDEX payments_dfsp ON payments (dfsp_id, payment_id);

CREATE TABLE batches (
  batch_id text PRIMARY KEY,
  program_id text NOT NULL,
  cycle_id text NOT NULL,
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'awaiting_approval', 'approved', 'processing',
    'completed', 'cancelled', 'rejected')),
  description text,
  scheduled_for timestamptz,
  declared_count integer NOT NULL,
  declared_total_minor numeric NOT NULL,
  received_count integer NOT NULL DEFAULT 0,
  received_total_minor numeric NOT NULL DEFAULT 0,
  submitted_by text,
  approved_by text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX batches_status ON batches (status, batch_id);

-- Count and amount of a batch's payments per (DFSP, status, reconciliation), kept in step with
-- payments so a batch summary never scans its payments. dfsp_id '' is "no DFSP". A row exists
-- only while its count is above zero, so the rows depend on the events alone, not on how
-- they were batched. Deltas are added by INSERT … ON CONFLICT, whose candidate row may be
-- negative: the projection checks the results instead of a CHECK constraint.
CREATE TABLE batch_payment_totals (
  batch_id text NOT NULL,
  dfsp_id text NOT NULL,
  status text NOT NULL,
  reconciliation text NOT NULL,
  count bigint NOT NULL,
  amount_minor numeric NOT NULL,
  PRIMARY KEY (batch_id, dfsp_id, status, reconciliation)
);

CREATE TABLE dfsps (
  dfsp_id text PRIMARY KEY,
  name text NOT NULL,
  connector text NOT NULL,
  base_url text NOT NULL,
  payer_fa text NOT NULL,
  currencies text[] NOT NULL,
  fa_types text[] NOT NULL,
  max_amount text,
  max_batch_size integer,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  health text NOT NULL DEFAULT 'healthy' CHECK (health IN ('healthy', 'unhealthy')),
  registered_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
`,
    },
    {
      version: 3,
      name: 'payments: purpose, next attempt, and the sending queues',
      sql: `
ALTER TABLE payments ADD COLUMN purpose text;
-- When a routed payment may be sent again after a failed sending; NULL: now. Set only while the
-- payment is routed.
ALTER TABLE payments ADD COLUMN next_attempt_at timestamptz;

-- listRoutedPaymentIds: one DFSP's routed payments in id order. listPaymentsToSend (routed
-- payments in id order) walks payments_status (status, payment_id) and filters the rest.
CREATE INDEX payments_status_dfsp ON payments (status, dfsp_id, payment_id);
-- listSubmittedBefore: submitted payments, longest-waiting first.
CREATE INDEX payments_status_updated ON payments (status, updated_at, payment_id);
`,
    },
    {
      version: 4,
      name: 'reconciliation: when payments succeeded, statements and discrepancies',
      sql: `
-- When the DFSP paid the payment: its report's own time, else when the ledger recorded it. Kept
-- once the payment is returned (it was paid then).
ALTER TABLE payments ADD COLUMN succeeded_at timestamptz;
-- listSucceededPayments: one DFSP's paid payments in one currency within a period.
CREATE INDEX payments_succeeded ON payments (dfsp_id, currency, succeeded_at)
  WHERE status IN ('succeeded', 'returned');

-- One row per imported DFSP statement (statementsProjection). Period and balances as the
-- statement gave them; the counts are its lines per reconciliation outcome.
CREATE TABLE statements (
  statement_id text PRIMARY KEY,
  dfsp_id text NOT NULL,
  format text NOT NULL CHECK (format IN ('csv', 'mt940', 'camt053')),
  content_sha256 text NOT NULL,
  statement_ref text,
  account_id text,
  currency text,
  period_from text,
  period_to text,
  opening_minor numeric,
  closing_minor numeric,
  computed_closing_minor numeric,
  balance_check text CHECK (balance_check IN ('balanced', 'break', 'not_available')),
  line_count integer NOT NULL CHECK (line_count >= 0),
  matched_count integer NOT NULL DEFAULT 0,
  mismatched_count integer NOT NULL DEFAULT 0,
  paid_but_failed_count integer NOT NULL DEFAULT 0,
  paid_twice_count integer NOT NULL DEFAULT 0,
  returned_count integer NOT NULL DEFAULT 0,
  unknown_count integer NOT NULL DEFAULT 0,
  other_dfsp_count integer NOT NULL DEFAULT 0,
  not_a_payment_count integer NOT NULL DEFAULT 0,
  missing_count integer NOT NULL DEFAULT 0,
  imported_by text NOT NULL,
  imported_at timestamptz NOT NULL
);
CREATE INDEX statements_dfsp ON statements (dfsp_id, statement_id);

-- One row per exception reconciliation found: a statement line that is no plain match, a
-- payment the statement leaves out, a statement whose balances do not add up. The id is derived
-- from the statement and the line, payment or balance, so a rebuild writes the same rows.
CREATE TABLE reconciliation_discrepancies (
  discrepancy_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('mismatched', 'paid_but_failed', 'paid_twice', 'returned',
    'unknown_line', 'other_dfsp', 'missing_from_statement', 'balance_break')),
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  statement_id text NOT NULL,
  dfsp_id text NOT NULL,
  batch_id text,
  payment_id text,
  reference text,
  line_number integer,
  statement_amount_minor numeric,
  statement_currency text,
  ledger_amount_minor numeric,
  ledger_currency text,
  ledger_status text,
  detected_at timestamptz NOT NULL
);
CREATE INDEX reconciliation_discrepancies_dfsp
  ON reconciliation_discrepancies (dfsp_id, discrepancy_id);
CREATE INDEX reconciliation_discrepancies_batch
  ON reconciliation_discrepancies (batch_id, discrepancy_id);
CREATE INDEX reconciliation_discrepancies_kind
  ON reconciliation_discrepancies (kind, discrepancy_id);
`,
    },
    {
      version: 5,
      name: 'payments: the beneficiary key their personal data is sealed under',
      sql: `
-- The key a payment's personal data is sealed under in the log (PersonalRecord.beneficiaryKey):
-- erasing it erases these rows' personal columns (BeneficiaryErased), and finds the payments not
-- yet sent. Null for payments recorded before sealing.
ALTER TABLE payments ADD COLUMN beneficiary_key text;
CREATE INDEX payments_beneficiary_key ON payments (beneficiary_key) WHERE beneficiary_key IS NOT NULL;
`,
    },
    {
      version: 6,
      name: "payments: the DFSP's own transaction id",
      sql: `
-- The DFSP's own id of the payment (PaymentAcceptedByDfsp): callbacks and status queries that name
-- it are matched to the payment by it.
ALTER TABLE payments ADD COLUMN dfsp_transaction_id text;
CREATE INDEX payments_dfsp_transaction ON payments (dfsp_id, dfsp_transaction_id)
  WHERE dfsp_transaction_id IS NOT NULL;
`,
    },
    {
      version: 7,
      name: 'statements: camt.052 and camt.054 formats, and what the reader read past',
      sql: `
-- Statements now also come as camt.052 account reports and camt.054 notifications.
ALTER TABLE statements DROP CONSTRAINT statements_format_check;
ALTER TABLE statements ADD CONSTRAINT statements_format_check
  CHECK (format IN ('csv', 'mt940', 'camt053', 'camt052', 'camt054'));
-- The reader's notices (StatementImported.notices): [{location, kind, message}], at most 50;
-- null for statements imported before notices were recorded, or with none.
ALTER TABLE statements ADD COLUMN notices jsonb;
`,
    },
    {
      version: 8,
      name: 'payments: found by batch and reference',
      sql: `
-- Programme systems name a payment by their own reference within a batch
-- (POST /v1/payments/status): one index lookup per pair, however large the batch.
CREATE INDEX payments_batch_reference ON payments (batch_id, reference);
`,
    },
    {
      version: 9,
      name: 'payments: a payee address may wait for the ID mapper',
      sql: `
-- A beneficiary id that is not a financial address is resolved through the programme's ID
-- mapper at fan-out: until then (and for good when the mapper names none) there is no address.
ALTER TABLE payments ALTER COLUMN payee_fa DROP NOT NULL;
`,
    },
  ],
};
