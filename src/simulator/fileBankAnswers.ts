import { type BookedPayment, camt054Notification } from './camt054Writing.js';
import type { StatementRecord } from './fileBankJournal.js';
import {
  type Answer,
  type BankState,
  DEFAULT_FUNDING_ACCOUNT,
  type TakenFile,
} from './fileBankState.js';
import { pain002Acknowledgement, pain002Outcome } from './pain002Writing.js';
import { buildStatement } from './statement.js';
import { statementCamt053 } from './statementCamt053.js';

/** What rendering an answer reads besides the state. */
export interface AnswerContext {
  dfspId: string;
  openingBalance: string;
  maxReportTxs: number;
}

const seqText = (seq: number) => String(seq).padStart(6, '0');

function fileOf(state: BankState, seq: number): TakenFile {
  const file = state.files.get(seq);
  if (file === undefined) throw new Error(`file bank: no file ${seq} to answer`);
  return file;
}

function settledAtOf(file: TakenFile): string {
  if (file.settledAt === undefined) throw new Error('file bank: outcome of an unsettled file');
  return file.settledAt;
}

/**
 * The text of an owed answer, the same every time it is rendered from the same journal (report
 * ids come from the file's seq, instants from the journal), so an answer rewritten after a crash
 * is the answer first meant. Throws when the state cannot back it (a broken journal).
 */
export function renderAnswer(state: BankState, answer: Answer, context: AnswerContext): string {
  switch (answer.kind) {
    case 'acknowledgement': {
      const { record } = fileOf(state, answer.seq);
      return pain002Acknowledgement(record, {
        msgId: `PSR${seqText(answer.seq)}-01`,
        createdAt: record.at,
      });
    }
    case 'outcome': {
      const file = fileOf(state, answer.seq);
      const settledAt = settledAtOf(file);
      const start = (answer.part - 1) * context.maxReportTxs;
      const payments = file.record.payments.slice(start, start + context.maxReportTxs);
      const msgId = `PSR${seqText(answer.seq)}-${String(answer.part + 1).padStart(2, '0')}`;
      return pain002Outcome(file.record, { payments, settledAt }, { msgId, createdAt: settledAt });
    }
    case 'camt054': {
      const file = fileOf(state, answer.seq);
      const settledAt = settledAtOf(file);
      const booked: BookedPayment[] = [];
      let ledgerIndex = file.paidFrom ?? 0;
      for (const payment of file.record.payments) {
        if (payment.status !== 'ACSC') continue;
        booked.push({ payment, ledgerIndex });
        ledgerIndex += 1;
      }
      const header = { msgId: `NTF${seqText(answer.seq)}`, createdAt: settledAt };
      return camt054Notification(booked, settledAt, header, DEFAULT_FUNDING_ACCOUNT);
    }
    case 'camt053':
      return statementFile(state, answer.statement, context);
    default: {
      const unknown: never = answer;
      throw new Error(`file bank: unknown answer ${JSON.stringify(unknown)}`);
    }
  }
}

function statementFile(state: BankState, record: StatementRecord, context: AnswerContext): string {
  const built = buildStatement(
    state.paid,
    { from: new Date(record.from), to: new Date(record.to), currency: record.currency, inject: [] },
    {
      dfspId: context.dfspId,
      openingBalance: context.openingBalance,
      startedAt: new Date(record.from),
      createdAt: new Date(record.to),
      unknownReference: 'none',
    },
  );
  if (!built.ok) throw new Error(`file bank: statement ${record.name}: ${built.message}`);
  return statementCamt053(built.statement, '001.08');
}

/**
 * The statements due at `to`: one per currency with payments booked in [from, to), `from` the
 * end of the last statement (or the bank's opening). Named `camt053_<YYYYMMDD>_<seq>.xml`.
 */
export function dueStatements(state: BankState, to: Date): StatementRecord[] {
  const from = state.lastStatement?.to ?? state.openedAt;
  if (from === undefined) return [];
  const fromMs = Date.parse(from);
  const toMs = to.getTime();
  const currencies = new Set<string>();
  for (const entry of state.paid) {
    const paidAtMs = Date.parse(entry.paid_at);
    if (paidAtMs >= fromMs && paidAtMs < toMs) currencies.add(entry.currency);
  }
  let seq = state.lastStatement?.seq ?? 0;
  const day = to.toISOString().slice(0, 10).replaceAll('-', '');
  return [...currencies].sort().map((currency) => {
    seq += 1;
    const name = `camt053_${day}_${String(seq).padStart(4, '0')}.xml`;
    return { type: 'statement', seq, name, currency, from, to: to.toISOString() };
  });
}
