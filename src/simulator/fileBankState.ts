import type { JournalRecord, StatementRecord, TakenRecord } from './fileBankJournal.js';
import type { LedgerEntry } from './referenceBook.js';
import { amountMinorIn } from './statement.js';

/** A file the bank took, with how far it got. */
export interface TakenFile {
  record: TakenRecord;
  movedTo?: string;
  settledAt?: string;
  /** Index in `paid` of the file's first booked payment (the rest follow it). */
  paidFrom?: number;
}

/** An answer the bank owes the ledger in `inbox/`, until it is `written`. */
export type Answer =
  | { kind: 'acknowledgement'; seq: number }
  | { kind: 'outcome'; seq: number; part: number }
  | { kind: 'camt054'; seq: number }
  | { kind: 'camt053'; statement: StatementRecord };

/** What the file bank knows: everything follows from its journal (`evolveBank`). */
export interface BankState {
  openedAt: string | undefined;
  lastSeq: number;
  files: Map<number, TakenFile>;
  /** `file|sha256` of taken files not yet moved out of `outbox/`, to their seq. */
  unmoved: Map<string, number>;
  /** Message ids received (duplicates and unreadable files aside). */
  msgIds: Set<string>;
  /** EndToEndIds decided ACSC: paid, or to be paid at settlement. */
  endToEndIds: Set<string>;
  /** Per currency, minor units decided ACSC so far (debited from the funding account). */
  committedMinor: Map<string, bigint>;
  /** Accepted files whose payments are not booked yet. */
  unsettled: Set<number>;
  /** Everything booked, in booking order: the ledger of `GET /ledger` and the statements. */
  paid: LedgerEntry[];
  /** Answers owed, by file name. */
  owed: Map<string, Answer>;
  lastStatement: StatementRecord | undefined;
}

/** The state of a bank with an empty journal. */
export function initialBankState(): BankState {
  return {
    openedAt: undefined,
    lastSeq: 0,
    files: new Map(),
    unmoved: new Map(),
    msgIds: new Set(),
    endToEndIds: new Set(),
    committedMinor: new Map(),
    unsettled: new Set(),
    paid: [],
    owed: new Map(),
    lastStatement: undefined,
  };
}

/** The funding account a payment is booked on when its PmtInf names none. */
export const DEFAULT_FUNDING_ACCOUNT = 'SIMULATED-FUNDING';

/** How many outcome reports (`_02`, `_03`, …) an accepted file gets: one per `maxTxs` payments. */
export function outcomeParts(record: TakenRecord, maxTxs: number): number {
  return record.group.status === 'ACTC'
    ? Math.max(1, Math.ceil(record.payments.length / maxTxs))
    : 0;
}

/** `pain002_X_01.xml` for part 1, `pain002_X_02.xml` for the first outcome report, … */
export function pain002Name(record: TakenRecord, part: number): string {
  return `${record.answerStem}_${String(part).padStart(2, '0')}.xml`;
}

/** `camt054_<MsgId>.xml`. */
export function camt054Name(record: TakenRecord): string {
  return `camt054_${safeName(record.original.msgId)}.xml`;
}

/** Text fit for a file name: anything but letters, digits, `.`, `-` and `_` becomes `_`. */
export function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
}

/**
 * Folds one journal record into the state (in place: a programme of thousands of payments is not
 * copied per record). Throws when the journal would pay an EndToEndId twice: that is a broken
 * bank, not a case to carry on from.
 */
export function evolveBank(state: BankState, record: JournalRecord, maxReportTxs: number): void {
  switch (record.type) {
    case 'opened':
      state.openedAt ??= record.at;
      return;
    case 'taken':
      evolveTaken(state, record);
      return;
    case 'moved': {
      const file = state.files.get(record.seq);
      if (file === undefined) return;
      file.movedTo = record.to;
      state.unmoved.delete(`${file.record.file}|${file.record.sha256}`);
      return;
    }
    case 'settled':
      evolveSettled(state, record.seq, record.at, maxReportTxs);
      return;
    case 'written':
      state.owed.delete(record.name);
      return;
    case 'statement':
      state.lastStatement = record;
      state.owed.set(record.name, { kind: 'camt053', statement: record });
      return;
    default: {
      const unknown: never = record;
      throw new Error(`bank journal: unknown record ${JSON.stringify(unknown)}`);
    }
  }
}

function evolveTaken(state: BankState, record: TakenRecord): void {
  if (record.seq <= state.lastSeq) throw new Error(`bank journal: seq ${record.seq} repeated`);
  state.lastSeq = record.seq;
  state.files.set(record.seq, { record });
  state.unmoved.set(`${record.file}|${record.sha256}`, record.seq);
  const reason = record.group.reason;
  if (reason !== 'DU01' && reason !== 'FF01') state.msgIds.add(record.original.msgId);
  state.owed.set(pain002Name(record, 1), { kind: 'acknowledgement', seq: record.seq });
  if (record.group.status !== 'ACTC') return;
  state.unsettled.add(record.seq);
  for (const payment of record.payments) {
    if (payment.status !== 'ACSC') continue;
    if (state.endToEndIds.has(payment.endToEndId)) {
      throw new Error(`bank journal: ${payment.endToEndId} accepted twice: would pay twice`);
    }
    const minor = amountMinorIn(payment.amount, payment.currency);
    if (minor === undefined) throw new Error(`bank journal: ${payment.endToEndId} amount inexact`);
    state.endToEndIds.add(payment.endToEndId);
    state.committedMinor.set(
      payment.currency,
      (state.committedMinor.get(payment.currency) ?? 0n) + minor,
    );
  }
}

function evolveSettled(state: BankState, seq: number, at: string, maxReportTxs: number): void {
  const file = state.files.get(seq);
  if (file === undefined || !state.unsettled.delete(seq)) {
    throw new Error(`bank journal: file ${seq} settled while not pending: would pay twice`);
  }
  file.settledAt = at;
  file.paidFrom = state.paid.length;
  const { record } = file;
  const parts = outcomeParts(record, maxReportTxs);
  for (let part = 1; part <= parts; part += 1) {
    state.owed.set(pain002Name(record, part + 1), { kind: 'outcome', seq, part });
  }
  if (record.payments.some((payment) => payment.status === 'ACSC')) {
    state.owed.set(camt054Name(record), { kind: 'camt054', seq });
  }
  for (const payment of record.payments) {
    if (payment.status !== 'ACSC') continue;
    const entry: LedgerEntry = {
      reference_id: payment.endToEndId,
      amount: payment.amount,
      currency: payment.currency,
      payer_fa: payment.debtorAccount?.id ?? DEFAULT_FUNDING_ACCOUNT,
      payee_fa: payment.creditorAccount?.id ?? '',
      paid_at: at,
    };
    if (payment.creditorName !== undefined) entry.payee_name = payment.creditorName;
    state.paid.push(entry);
  }
}
