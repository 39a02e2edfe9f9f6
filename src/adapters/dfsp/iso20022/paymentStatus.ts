import type { StatusReport } from '../../../domain/statusReport.js';
import type { Pain002Report, Pain002Transaction, StatusReason } from './pain002.js';

/** The ledger's reading of a `pain.002`: one report per payment named, and the entries it ignored. */
export interface Pain002StatusReports {
  readonly reports: readonly StatusReport[];
  /** Transaction entries whose ids belong to no payment of the original message: log them. */
  readonly strangers: readonly Pain002Transaction[];
}

/**
 * Reason codes saying the bank already holds what was sent (ExternalStatusReason1Code): a
 * duplicate message (`DU01`), payment information block (`DU02`), transaction (`DU03`),
 * end-to-end id (`DU04`), instruction id (`DU05`), or a duplication (`AM05`).
 */
const DUPLICATE_REASONS: ReadonlySet<string> = new Set([
  'DU01',
  'DU02',
  'DU03',
  'DU04',
  'DU05',
  'AM05',
]);
const SETTLED: ReadonlySet<string> = new Set(['ACSC', 'ACCC']);
const REJECTED = 'RJCT';
const CANCELLED = 'CANC';

/**
 * What a `pain.002` says of each payment of the `pain.001` it answers (`paymentIdsOfMessage`,
 * whose `EndToEndId`s the file carried), in the ledger's `StatusReport` terms.
 *
 * A transaction entry is matched by `OrgnlEndToEndId`, else by `OrgnlInstrId`; an entry naming no
 * payment of the message is returned in `strangers`, never reported. A payment without an entry
 * takes its block's status (`PmtInfSts`, when the report has exactly one block: a ledger file
 * has one) or else the group's (`GrpSts`); with neither it is not reported. Its reason is the
 * block's or group's. So a group `RJCT` with no entries fails every payment, a group `ACCP` or
 * `ACTC` leaves each `pending`, and `PART` leaves the payments it does not name `pending`.
 *
 * | ISO status (ExternalPaymentTransactionStatus1Code / group status) | meaning | ledger |
 * | --- | --- | --- |
 * | `ACSC` AcceptedSettlementCompleted | the debtor's account is debited, settlement done | `succeeded` |
 * | `ACCC` AcceptedSettlementCompletedCreditorAccount | the creditor's account is credited | `succeeded` |
 * | `RJCT` Rejected, reason `DU01`–`DU05` or `AM05` | refused as a duplicate: the bank already holds it | `duplicate` |
 * | `RJCT` Rejected, any other reason (`AC04` closed account, `AM04` insufficient funds, …) | refused, will not be paid | `failed`, `reasonCode` = `Rsn/Cd` (else `Rsn/Prtry`), `reasonMessage` = `AddtlInf` |
 * | `CANC` Cancelled | cancelled before execution, will not be paid | `failed`, `reasonCode` the reason's or `CANC` |
 * | `RCVD` Received | the file arrived, nothing checked yet | `pending` |
 * | `ACTC` AcceptedTechnicalValidation | syntax and authentication checked | `pending` |
 * | `ACCP` AcceptedCustomerProfile | the customer profile checks passed | `pending` |
 * | `ACFC` AcceptedFundsChecked | funds available | `pending` |
 * | `ACWC` AcceptedWithChange | accepted, changed (e.g. date or remittance) | `pending` |
 * | `ACWP` AcceptedWithoutPosting | accepted, not yet posted to the creditor | `pending` |
 * | `ACSP` AcceptedSettlementInProcess | all checks passed, settlement under way | `pending` |
 * | `PDNG` Pending | further checks and a final status to come | `pending` |
 * | `PART` PartiallyAccepted (group) | some accepted, the rejected are listed | `pending` for the unlisted |
 * | `BLCK`, `PATC`, `ACIS`, `ACPD`, `PRES`, any code unknown here | no final word for the ledger | `pending` |
 *
 * `CANC` is the one departure from "anything else is pending": a cancelled payment will never
 * be paid, and leaving it pending would hold it forever. Reports carry `timestamp` =
 * `AccptncDtTm`, else the report's `CreDtTm`.
 *
 * @example
 * const { reports, strangers } = statusReportsOf(parsePain002(xml), paymentIdsOf(messageId));
 * // reports: [{ referenceId: '01J5…', status: 'failed', reasonCode: 'AC04', reasonMessage: 'Account closed' }]
 */
export function statusReportsOf(
  report: Pain002Report,
  paymentIdsOfMessage: readonly string[],
): Pain002StatusReports {
  const ours = new Set(paymentIdsOfMessage);
  const reports: StatusReport[] = [];
  const strangers: Pain002Transaction[] = [];
  const named = new Set<string>();
  for (const transaction of report.transactions) {
    const referenceId = idOf(transaction, ours);
    if (referenceId === undefined) {
      strangers.push(transaction);
      continue;
    }
    named.add(referenceId);
    const timestamp = transaction.acceptedAt ?? report.createdAt;
    reports.push(statusReport(referenceId, transaction.status, transaction.reasons, timestamp));
  }
  const fallback = fallbackStatus(report);
  if (fallback !== undefined) {
    for (const referenceId of ours) {
      if (named.has(referenceId)) continue;
      reports.push(statusReport(referenceId, fallback.status, fallback.reasons, report.createdAt));
    }
  }
  return { reports, strangers };
}

function idOf(transaction: Pain002Transaction, ours: ReadonlySet<string>): string | undefined {
  const { originalEndToEndId: endToEndId, originalInstructionId: instructionId } = transaction;
  if (endToEndId !== undefined && ours.has(endToEndId)) return endToEndId;
  if (instructionId !== undefined && ours.has(instructionId)) return instructionId;
  return undefined;
}

function fallbackStatus(
  report: Pain002Report,
): { status: string; reasons: readonly StatusReason[] } | undefined {
  const [block, ...others] = report.paymentInformation;
  if (block?.status !== undefined && others.length === 0) {
    return {
      status: block.status,
      reasons: block.reasons.length > 0 ? block.reasons : report.groupReasons,
    };
  }
  if (report.groupStatus !== undefined)
    return { status: report.groupStatus, reasons: report.groupReasons };
  return undefined;
}

function statusReport(
  referenceId: string,
  isoStatus: string,
  reasons: readonly StatusReason[],
  timestamp: string | undefined,
): StatusReport {
  const status = isoStatus.trim().toUpperCase();
  const base = timestamp === undefined ? { referenceId } : { referenceId, timestamp };
  if (SETTLED.has(status)) return { ...base, status: 'succeeded' };
  if (status !== REJECTED && status !== CANCELLED) return { ...base, status: 'pending' };
  if (reasons.some((reason) => reason.code !== undefined && DUPLICATE_REASONS.has(reason.code))) {
    return { ...base, status: 'duplicate' };
  }
  const reason = reasons[0];
  const reasonCode =
    reason?.code ?? reason?.proprietary ?? (status === CANCELLED ? CANCELLED : undefined);
  return {
    ...base,
    status: 'failed',
    ...(reasonCode === undefined ? {} : { reasonCode }),
    ...(reason?.text === undefined ? {} : { reasonMessage: reason.text }),
  };
}
