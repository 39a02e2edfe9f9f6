import { createHash } from 'node:crypto';
import { planPayment } from './callbackPlan.js';
import { type AnswerContext, dueStatements, renderAnswer } from './fileBankAnswers.js';
import { decidePayments, groupVerdict } from './fileBankDecision.js';
import {
  type Journal,
  type JournalRecord,
  openJournal,
  type TakenRecord,
} from './fileBankJournal.js';
import { type BankState, evolveBank, initialBankState, safeName } from './fileBankState.js';
import {
  completeUploads,
  defaultJournalPath,
  ensureLayout,
  type FileLayout,
  fileLayout,
  moveToTaken,
  readUpload,
  writeAnswer,
} from './fileDrop.js';
import type { SimulatorConfig } from './options.js';
import { readPain001 } from './pain001Reading.js';
import type { LedgerEntry } from './referenceBook.js';
import { createRng, type Rng } from './rng.js';

/** Most uploads taken in one poll; the rest wait for the next. */
const MAX_UPLOADS_PER_POLL = 100;
const MAX_PAYMENT_INFOS = 1_000;

/** How the file bank is doing, for `GET /health`. */
export interface FileBankHealth {
  status: 'ok' | 'degraded';
  files_taken: number;
  files_pending: number;
  answers_owed: number;
  payments_paid: number;
  /** The last poll's trouble (an unreadable outbox, say), or null when it went well. */
  last_error: string | null;
}

/** A running file bank. */
export interface FileBank {
  ledger(): readonly LedgerEntry[];
  health(): FileBankHealth;
  /** Stops polling after the poll under way, and closes the journal. */
  close(): Promise<void>;
}

/** What the file bank is given besides its configuration. */
export interface FileBankDeps {
  now: () => Date;
  warn: (message: string, fields: Record<string, string>) => void;
}

/**
 * Starts the bank's back office on `config.filesRoot`: reloads its journal (answers owed by a
 * run that stopped are written on the first poll, pending files settle when due), then polls
 * `outbox/` every `filesPollMs`. Each poll writes owed answers, books files whose settlement is
 * due, takes new uploads, and writes camt.053 statements after `statementAfterMs` of quiet. A
 * poll that fails (an unreadable outbox) is reported in `health()` and tried again next time.
 */
export async function startFileBank(
  config: SimulatorConfig,
  deps: FileBankDeps,
): Promise<FileBank> {
  const root = config.filesRoot;
  if (root === undefined) throw new Error('iso20022-files simulator without filesRoot');
  const layout = fileLayout(root);
  await ensureLayout(layout);
  const { journal, records } = await openJournal(config.filesStateFile ?? defaultJournalPath(root));
  const state = initialBankState();
  for (const record of records) evolveBank(state, record, config.filesMaxReportTxs);
  const rng = createRng(config.seed);
  replayDraws(state, rng, config);
  const bank: BankRun = {
    config,
    deps,
    layout,
    journal,
    state,
    rng,
    answers: {
      dfspId: config.dfspId,
      openingBalance: config.openingBalance,
      maxReportTxs: config.filesMaxReportTxs,
    },
    lastActivityMs: deps.now().getTime(),
    lastError: null,
  };
  if (state.openedAt === undefined) {
    await append(bank, { type: 'opened', at: deps.now().toISOString() });
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = poll(bank).finally(() => {
      if (!stopped) timer = setTimeout(loop, config.filesPollMs);
    });
  };
  loop();

  return {
    ledger: () => state.paid,
    health: () => ({
      status: bank.lastError === null ? 'ok' : 'degraded',
      files_taken: state.files.size,
      files_pending: state.unsettled.size,
      answers_owed: state.owed.size,
      payments_paid: state.paid.length,
      last_error: bank.lastError,
    }),
    async close() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      await journal.close();
    },
  };
}

interface BankRun {
  config: SimulatorConfig;
  deps: FileBankDeps;
  layout: FileLayout;
  journal: Journal;
  state: BankState;
  rng: Rng;
  answers: AnswerContext;
  lastActivityMs: number;
  lastError: string | null;
}

/** Draws as many plans as the journal's files did, so a restart goes on with the same sequence. */
function replayDraws(state: BankState, rng: Rng, config: SimulatorConfig): void {
  for (const { record } of state.files.values()) {
    if (record.group.status !== 'ACTC') continue;
    for (let i = 0; i < record.payments.length; i += 1) planPayment(rng, config);
  }
}

async function append(bank: BankRun, record: JournalRecord): Promise<void> {
  await bank.journal.append(record);
  evolveBank(bank.state, record, bank.config.filesMaxReportTxs);
}

async function poll(bank: BankRun): Promise<void> {
  try {
    await writeOwed(bank);
    await settleDue(bank);
    await takeUploads(bank);
    await writeStatements(bank);
    bank.lastError = null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== bank.lastError) bank.deps.warn('file bank poll failed', { error: message });
    bank.lastError = message;
  }
}

async function writeOwed(bank: BankRun): Promise<void> {
  for (const [name, answer] of [...bank.state.owed]) {
    await writeAnswer(bank.layout, name, renderAnswer(bank.state, answer, bank.answers));
    await append(bank, { type: 'written', name });
  }
}

async function settleDue(bank: BankRun): Promise<void> {
  const nowMs = bank.deps.now().getTime();
  for (const seq of [...bank.state.unsettled]) {
    const file = bank.state.files.get(seq);
    if (file === undefined) continue;
    if (Date.parse(file.record.at) + file.record.settleAfterMs > nowMs) continue;
    await append(bank, { type: 'settled', seq, at: bank.deps.now().toISOString() });
    bank.lastActivityMs = nowMs;
    await writeOwed(bank);
  }
}

async function takeUploads(bank: BankRun): Promise<void> {
  const names = await completeUploads(bank.layout, MAX_UPLOADS_PER_POLL);
  for (const name of names) {
    try {
      await takeUpload(bank, name);
    } catch (error) {
      // Gone meanwhile, or unreadable: left where it is and tried again on the next poll.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
  }
}

async function takeUpload(bank: BankRun, name: string): Promise<void> {
  const { state, config } = bank;
  const upload = await readUpload(bank.layout, name, config.filesMaxBytes);
  const sha256 = upload.ok ? createHash('sha256').update(upload.bytes).digest('hex') : 'too-large';
  const unfinished = state.unmoved.get(`${name}|${sha256}`);
  if (unfinished !== undefined) {
    // Taken by a run that stopped before moving it: finish the move, decide nothing anew.
    const to = await moveToTaken(bank.layout, name, unfinished);
    await append(bank, { type: 'moved', seq: unfinished, to });
    return;
  }
  const seq = state.lastSeq + 1;
  const at = bank.deps.now();
  const record = upload.ok
    ? decideUpload(bank, name, upload.bytes, seq, at)
    : unreadable(name, seq, at, `file of ${upload.size} bytes, over ${config.filesMaxBytes}`);
  await append(bank, { ...record, sha256 });
  bank.lastActivityMs = at.getTime();
  const to = await moveToTaken(bank.layout, name, seq);
  await append(bank, { type: 'moved', seq, to });
  await writeOwed(bank);
}

function decideUpload(
  bank: BankRun,
  name: string,
  bytes: Buffer,
  seq: number,
  at: Date,
): TakenRecord {
  const { state, config } = bank;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return unreadable(name, seq, at, 'not valid UTF-8');
  }
  const reading = readPain001(text, {
    maxTransactions: config.maxDisbursementsPerRequest,
    maxPaymentInfos: MAX_PAYMENT_INFOS,
  });
  if (!reading.ok) return unreadable(name, seq, at, reading.problem, reading.msgId);
  const message = reading.message;
  const verdict = groupVerdict(message, state.msgIds);
  const stem = `pain002_${safeName(message.msgId)}`;
  const base = {
    type: 'taken' as const,
    seq,
    file: name,
    sha256: '',
    at: at.toISOString(),
    answerStem:
      verdict.status === 'RJCT' && verdict.reason === 'DU01'
        ? `${stem}_DU01_${seq}`
        : uniqueStem(state, stem, seq),
    original: {
      msgId: message.msgId,
      msgNmId: message.msgNmId,
      nbOfTxs: message.nbOfTxs,
      ...(message.ctrlSum === undefined ? {} : { ctrlSum: message.ctrlSum }),
    },
    paymentInfos: message.paymentInfos.map(({ pmtInfId, nbOfTxs, ctrlSum }) => ({
      pmtInfId,
      ...(nbOfTxs === undefined ? {} : { nbOfTxs }),
      ...(ctrlSum === undefined ? {} : { ctrlSum }),
    })),
  };
  if (verdict.status === 'RJCT') {
    const { reason, info } = verdict;
    return { ...base, group: { status: 'RJCT', reason, info }, payments: [], settleAfterMs: 0 };
  }
  const count = message.paymentInfos.reduce((sum, pmt) => sum + pmt.transactions.length, 0);
  const plans = Array.from({ length: count }, () => planPayment(bank.rng, config));
  const books = {
    endToEndIds: state.endToEndIds,
    committedMinor: state.committedMinor,
    openingBalance: config.openingBalance,
  };
  return {
    ...base,
    group: { status: 'ACTC' },
    payments: decidePayments(message, books, plans),
    settleAfterMs: Math.max(0, ...plans.map((plan) => plan.callback.delayMs)),
  };
}

/** A file refused unread or unparsed: FF01, answered under a name of its own. */
function unreadable(
  name: string,
  seq: number,
  at: Date,
  problem: string,
  msgId?: string,
): TakenRecord {
  const stem = safeName(name.slice(0, -4));
  return {
    type: 'taken',
    seq,
    file: name,
    sha256: '',
    at: at.toISOString(),
    answerStem: `pain002_${stem}_FF01_${seq}`,
    original: { msgId: (msgId ?? stem).slice(0, 35) || 'UNKNOWN', msgNmId: 'pain.001.001.09' },
    group: { status: 'RJCT', reason: 'FF01', info: problem },
    paymentInfos: [],
    payments: [],
    settleAfterMs: 0,
  };
}

/** `stem`, unless another file's answers already use it (two MsgIds alike once made safe). */
function uniqueStem(state: BankState, stem: string, seq: number): string {
  for (const file of state.files.values()) {
    if (file.record.answerStem === stem) return `${stem}_${seq}`;
  }
  return stem;
}

async function writeStatements(bank: BankRun): Promise<void> {
  const now = bank.deps.now();
  if (bank.state.unsettled.size > 0) return;
  if (now.getTime() - bank.lastActivityMs < bank.config.statementAfterMs) return;
  for (const record of dueStatements(bank.state, now)) await append(bank, record);
  await writeOwed(bank);
}
