import type { PaymentInstruction } from '../domain/batchDecider.js';
import type {
  CallbackVerification,
  ConnectorKind,
  FileExchangeInput,
  MappingDocumentInput,
  OutboundCredentials,
} from '../domain/dfspConnection.js';
import type { DfspProfile } from '../domain/dfspEvents.js';
import type { ReportSource } from '../domain/paymentEvents.js';
import type { RoutingDecision } from '../domain/routing.js';
import type { PublishedRule } from '../domain/routingRulesEvents.js';
import type { StatementNotice } from '../domain/statement.js';
import type { StatusReport } from '../domain/statusReport.js';
import type { StatementRead } from './statementReader.js';

/** Who acts, and the ids that tie their request to the events it causes. */
export interface CommandContext {
  /** The principal (`user:alice`) or process (`process:fan-out`). */
  readonly actor: string;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** A DFSP registration as an administrator sends it (PUT /v1/dfsps/{dfspId}). */
export interface DfspRegistration {
  readonly name: string;
  readonly connector: ConnectorKind;
  /** A shipped mapping profile by name (`mapped-http`). */
  readonly profile?: string;
  /** The DFSP's own mapping document (`mapped-http` without a profile). */
  readonly mapping?: MappingDocumentInput;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly callbackVerification?: CallbackVerification;
  /** The SFTP exchange with a bank that takes payment files (`iso20022-files`). */
  readonly files?: FileExchangeInput;
  /**
   * Write-only, sealed outside the event log. Absent: the credentials set before stay;
   * `{ auth: { kind: 'none' } }` removes them.
   */
  readonly credentials?: OutboundCredentials;
  readonly baseUrl: string;
  readonly payerFa: string;
  readonly currencies: readonly string[];
  readonly faTypes: readonly string[];
  readonly maxAmount?: string;
  readonly maxBatchSize?: number;
  /** Write-only: kept outside the event log, never returned. */
  readonly callbackSecret: string;
}

export interface OpenBatchInput {
  readonly batchId?: string;
  readonly programId: string;
  readonly cycleId: string;
  readonly currency: string;
  readonly declaredCount: number;
  readonly declaredTotal: string;
  readonly scheduledFor?: string;
  readonly description?: string;
}

/** New control totals for an open batch; the schedule is kept when not given. */
export interface AmendBatchInput {
  readonly declaredCount: number;
  readonly declaredTotal: string;
  readonly scheduledFor?: string;
}

/** A payment to route, as a dry run receives it. */
export interface DryRunPayment {
  readonly paymentId?: string;
  readonly amount: string;
  readonly currency: string;
  readonly payeeFa: string;
  readonly region?: string;
  readonly programId: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/**
 * Everything the HTTP layer can ask the ledger to do. Each call validates with the domain
 * (throwing `DomainError` on a refusal, which the HTTP layer maps to a problem), appends the
 * resulting events, and is idempotent: repeating a call with the same input changes nothing and
 * answers the same.
 */
export interface LedgerCommands {
  /** Answers the registration as recorded (secrets left out, credentials described). */
  registerDfsp(
    dfspId: string,
    registration: DfspRegistration,
    context: CommandContext,
  ): Promise<{ readonly created: boolean; readonly profile: DfspProfile }>;
  /** The DFSP's registration in force, read from its stream; undefined if not registered. */
  currentDfspRegistration(dfspId: string): Promise<DfspProfile | undefined>;
  suspendDfsp(dfspId: string, reason: string | undefined, context: CommandContext): Promise<void>;
  resumeDfsp(dfspId: string, context: CommandContext): Promise<void>;
  publishRoutingRules(
    rules: readonly PublishedRule[],
    context: CommandContext,
  ): Promise<{ readonly version: number }>;
  /** The rule set in force (version 0 and no rules before the first publication). */
  currentRoutingRules(): Promise<{
    readonly version: number;
    readonly rules: readonly PublishedRule[];
  }>;
  dryRunRouting(payment: DryRunPayment): Promise<RoutingDecision>;
  openBatch(
    input: OpenBatchInput,
    context: CommandContext,
  ): Promise<{ readonly batchId: string; readonly created: boolean }>;
  addPayments(
    batchId: string,
    payments: readonly PaymentInstruction[],
    context: CommandContext,
  ): Promise<{ readonly payments: readonly { reference: string; paymentId: string }[] }>;
  /**
   * Amends an open batch's control totals: refused once it is submitted
   * (`batch_not_open`) or below what it has received (`declared_below_received`).
   */
  amendBatch(batchId: string, input: AmendBatchInput, context: CommandContext): Promise<void>;
  submitBatch(batchId: string, context: CommandContext): Promise<void>;
  approveBatch(batchId: string, context: CommandContext): Promise<void>;
  cancelBatch(batchId: string, reason: string | undefined, context: CommandContext): Promise<void>;
  cancelPayment(
    paymentId: string,
    reason: string | undefined,
    context: CommandContext,
  ): Promise<void>;
  /**
   * Sends a failed payment round again under the same reference id: it is routed afresh by the
   * rules in force. Refused (`payment_not_failed`) unless the payment is `failed`.
   */
  retryPayment(paymentId: string, context: CommandContext): Promise<void>;
  /**
   * Resolves a payment in doubt, four eyes: an operator proposes the outcome with evidence, a
   * second principal with the approver role confirms it (see `resolveInDoubt`). Answers what the
   * call did.
   */
  resolvePayment(
    paymentId: string,
    resolution: { readonly outcome: 'succeeded' | 'failed'; readonly evidence?: string },
    may: { readonly propose: boolean; readonly confirm: boolean },
    context: CommandContext,
  ): Promise<{ readonly resolution: 'proposed' | 'resolved' | 'unchanged' }>;
  /**
   * Applies a DFSP's status reports, from its callback or a status query: each report to its own
   * payment, a thousand payments with one read and one append (a payment named twice: one entry
   * after the other, in report order). Never throws for a report's content: each one answers
   * what became of it.
   */
  applyStatusReports(
    dfspId: string,
    reports: readonly StatusReport[],
    source: ReportSource,
    context: CommandContext,
  ): Promise<readonly StatusReportOutcome[]>;
  /**
   * Crypto-shreds a beneficiary's personal data and cancels their payments not yet sent (see
   * `eraseBeneficiary`). Refused (`beneficiary_not_found`) when none of their data is held.
   */
  eraseBeneficiary(
    beneficiaryId: string,
    reason: string,
    context: CommandContext,
  ): Promise<ErasureOutcome>;
  /**
   * Reconciles every statement of a DFSP's file against the ledger and records each as a
   * statement of its own (see `importStatements`): the one entry for statements however they
   * arrive (HTTP, an inbox). Answers one result per statement, in file order; the same file
   * again answers the same statement ids with `created: false` and appends nothing.
   */
  importStatements(
    dfspId: string,
    file: StatementFile,
    context: CommandContext,
  ): Promise<readonly StatementImportResult[]>;
}

/**
 * What became of one status report:
 * - `applied`: the payment took the reported status;
 * - `unchanged`: the ledger already held it (the same report again);
 * - `conflict`: it contradicts the ledger and was recorded as a conflict, not applied;
 * - `unknown_reference`: no payment has this id; nothing was recorded;
 * - `not_held`: a status query said the DFSP does not hold the payment; it goes back to `routed`;
 * - `ignored`: nothing to record (`pending`; a duplicate, which the status poller settles).
 */
export interface StatusReportOutcome {
  readonly referenceId: string;
  readonly outcome:
    | 'applied'
    | 'unchanged'
    | 'conflict'
    | 'unknown_reference'
    | 'not_held'
    | 'ignored';
}

/** What an erasure did. */
export interface ErasureOutcome {
  /** The key destroyed: the id the `BeneficiaryErased` event names (never the beneficiary). */
  readonly beneficiaryKey: string;
  /**
   * Payments not yet sent to a DFSP, now cancelled. Those a DFSP holds go on: only their
   * personal data reads as erased.
   */
  readonly cancelledPayments: number;
}

/** What importing one statement of a file came to. */
export interface StatementImportResult {
  readonly statementId: string;
  /** False when the same statement was imported before: nothing was appended. */
  readonly created: boolean;
  /** The statement's own reference (MT940 `:20:`, camt `Stmt/Id`), where given. */
  readonly statementRef?: string;
  readonly lineCount: number;
  /** What the reader read past (unknown tags, impossible dates, charset, skipped lines). */
  readonly notices: readonly StatementNotice[];
}

/** A file read into statements, with the hash of its bytes (see `StatementReader`). */
export type StatementFile = Pick<
  Extract<StatementRead, { ok: true }>,
  'statements' | 'contentSha256'
>;
