/**
 * What the ledger has sent to and read from banks that take files (the `iso20022-files`
 * connector): the record that lets a payment file reach the bank once and only once, through
 * crashes and a server that comes and goes, and lets every file the bank leaves be read once.
 *
 * A payment file goes `preparing` (recorded before a byte is written, under a temporary name)
 * → `renaming` (the whole file is on the server; the rename to its final name is under way) →
 * `delivered` (the bank may read it). A `preparing` file whose sender died or gave up is
 * `abandoned`: its rename can never happen, so its payments never reached the bank. Each step is
 * a compare-and-set, so a sender and a status query that judge the same file never both win.
 */
export type SentFileState = 'preparing' | 'renaming' | 'delivered' | 'abandoned';

export interface SentFile {
  readonly dfspId: string;
  /** The `pain.001` `MsgId`; the file is `<messageId>.xml`. */
  readonly messageId: string;
  readonly fileName: string;
  readonly contentSha256: string;
  readonly state: SentFileState;
  readonly paymentCount: number;
  /** When it last changed state. */
  readonly changedAt: Date;
}

/** What became of a file read from a bank's inbox. */
export type ReceivedFileKind = 'status_report' | 'statement' | 'unreadable';

export interface ReceivedFile {
  readonly dfspId: string;
  readonly fileName: string;
  readonly contentSha256: string;
  readonly kind: ReceivedFileKind;
  /** What reading it came to, in a sentence (the statement ids, the reports, the refusal). */
  readonly outcome: string;
  readonly receivedAt: Date;
}

export interface FileExchangeJournal {
  /** Records a payment file about to be written; false when that message id is recorded already. */
  beginSending(
    file: Omit<SentFile, 'state' | 'changedAt' | 'paymentCount'>,
    paymentIds: readonly string[],
  ): Promise<boolean>;
  /** Moves a file from one state to the next; false when it was not in `from` (someone else won). */
  advance(
    dfspId: string,
    messageId: string,
    from: SentFileState,
    to: SentFileState,
  ): Promise<boolean>;
  sentFile(dfspId: string, messageId: string): Promise<SentFile | undefined>;
  /** The payment ids a payment file carried, in its order. */
  paymentsOf(dfspId: string, messageId: string): Promise<readonly string[]>;
  /** The files that carried these payments, by payment id (the latest file of each). */
  filesOfPayments(
    dfspId: string,
    paymentIds: readonly string[],
  ): Promise<ReadonlyMap<string, SentFile>>;
  /** The inbox file of this content read before, if any. */
  receivedFile(dfspId: string, contentSha256: string): Promise<ReceivedFile | undefined>;
  /** Records an inbox file as read (once per content; a second record is ignored). */
  recordReceived(file: Omit<ReceivedFile, 'receivedAt'>): Promise<void>;
  /** The files sent to and read from a DFSP, newest first. */
  listFiles(
    dfspId: string,
    limit: number,
  ): Promise<{ readonly sent: readonly SentFile[]; readonly received: readonly ReceivedFile[] }>;
}
