import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { everyInterval } from '../../../application/everyInterval.js';
import type {
  FileExchangeJournal,
  ReceivedFileKind,
} from '../../../application/fileExchangeJournal.js';
import type { CommandContext, LedgerCommands } from '../../../application/ledgerCommands.js';
import type { Logger } from '../../../application/logger.js';
import type { StatementFileImport } from '../../../application/statementFiles.js';
import type { FilesConnector } from './filesConnector.js';
import { Iso20022Error } from './iso20022Error.js';
import { parsePain002 } from './pain002.js';
import { statusReportsOf } from './paymentStatus.js';
import { RemoteFileTooLarge, type SftpSession, SftpUnavailable, withSftp } from './sftpSession.js';

export interface BankInboxDeps {
  /** The DFSPs whose connector is `iso20022-files`. */
  readonly fileDfsps: () => Promise<readonly string[]>;
  /** The file connector in force for a DFSP; undefined when it has none any more. */
  readonly connectorOf: (dfspId: string) => Promise<FilesConnector | undefined>;
  readonly journal: FileExchangeJournal;
  readonly applyStatusReports: LedgerCommands['applyStatusReports'];
  /** Reads a statement file (any format the statement readers take) and imports its statements. */
  readonly importStatementFile: (
    dfspId: string,
    bytes: Buffer,
    context: CommandContext,
  ) => Promise<StatementFileImport>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often the loop looks for DFSPs due a visit, in milliseconds. */
  readonly tickMs?: number;
}

/** The largest inbox file read; a larger one is moved aside unread. */
const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** A newly registered file bank is visited within this long. */
const DFSP_LIST_MAX_AGE_MS = 5_000;
/** Reports applied per command, so a 100,000-line status file is applied in bounded steps. */
const REPORTS_PER_COMMAND = 1_000;
/** Names a bank writes while a file is incomplete: never read. */
const isTemporary = (name: string) => name.startsWith('.') || /\.(part|tmp|filepart)$/i.test(name);

/**
 * Reads what banks that take files leave in their SFTP inbox: `pain.002` status reports,
 * applied to the payments of the payment file they answer, and statements (camt.053, camt.054,
 * MT940…), imported for reconciliation. Each DFSP is visited every `pollIntervalMs` of its file
 * exchange. A file is read whole, recorded in the journal by its content's SHA-256 once what it
 * says is applied, then moved to the `processed` folder: a file read again (a crash before the
 * move, the same content under another name) is only moved, never applied twice. A file that
 * cannot be read is moved aside too, recorded as `unreadable` with the reason, and logged as an
 * error for an operator. Each visit also tidies the outbox (see `FilesConnector.tidyOutbox`).
 *
 * @example
 * await createBankInbox({ fileDfsps, connectorOf, journal, applyStatusReports,
 *   importStatementFile, logger }).run(signal);
 */
export function createBankInbox(deps: BankInboxDeps) {
  const { journal, logger } = deps;
  const now = deps.now ?? Date.now;
  const nextVisit = new Map<string, number>();

  async function visit(dfspId: string, connector: FilesConnector): Promise<void> {
    const target = connector.target;
    if (target === undefined) {
      logger.warn({ dfspId }, 'bank inbox not read: the DFSP has no SSH credentials');
      return;
    }
    const { files } = connector;
    await withSftp(target, async (session) => {
      await connector.tidyOutbox(session);
      await session.ensureFolder(files.processed);
      for (const entry of await session.list(files.inbox)) {
        if (isTemporary(entry.name)) continue;
        await readOne(dfspId, session, `${files.inbox}/${entry.name}`, entry.name, files.processed);
      }
    });
  }

  async function readOne(
    dfspId: string,
    session: SftpSession,
    path: string,
    name: string,
    processed: string,
  ): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await session.read(path, MAX_FILE_BYTES);
    } catch (error) {
      if (!(error instanceof RemoteFileTooLarge)) throw error;
      const contentSha256 = sha256(Buffer.from(`${name}\n${error.message}`));
      await journal.recordReceived({
        dfspId,
        fileName: name,
        contentSha256,
        kind: 'unreadable',
        outcome: error.message,
      });
      logger.error({ dfspId, file: name }, error.message);
      await moveAside(session, path, `${processed}/${name}`, contentSha256);
      return;
    }
    const contentSha256 = sha256(bytes);
    if ((await journal.receivedFile(dfspId, contentSha256)) === undefined) {
      const { kind, outcome } = await apply(dfspId, name, bytes);
      await journal.recordReceived({ dfspId, fileName: name, contentSha256, kind, outcome });
      const log = { dfspId, file: name, kind, outcome };
      if (kind === 'unreadable') logger.error(log, 'bank file not read');
      else logger.info(log, 'bank file read');
    }
    await moveAside(session, path, `${processed}/${name}`, contentSha256);
  }

  /** Applies what one file says; answers what it was and what came of it. */
  async function apply(
    dfspId: string,
    name: string,
    bytes: Buffer,
  ): Promise<{ kind: ReceivedFileKind; outcome: string }> {
    const context: CommandContext = {
      actor: `dfsp:${dfspId}`,
      correlationId: ulid(now()),
      causationId: null,
    };
    if (!isStatusReport(bytes)) {
      const imported = await deps.importStatementFile(dfspId, bytes, context);
      return imported.ok
        ? { kind: 'statement', outcome: imported.summary }
        : { kind: 'unreadable', outcome: imported.reason };
    }
    let report: ReturnType<typeof parsePain002>;
    try {
      report = parsePain002(bytes);
    } catch (error) {
      if (!(error instanceof Iso20022Error)) throw error;
      return { kind: 'unreadable', outcome: `${name}: ${error.message}` };
    }
    const paymentIds = await journal.paymentsOf(dfspId, report.originalMessageId);
    if (paymentIds.length === 0) {
      return {
        kind: 'unreadable',
        outcome: `answers ${report.originalMessageId.slice(0, 35)}, a payment file never sent to ${dfspId}`,
      };
    }
    const { reports, strangers } = statusReportsOf(report, paymentIds);
    for (let start = 0; start < reports.length; start += REPORTS_PER_COMMAND) {
      const chunk = reports.slice(start, start + REPORTS_PER_COMMAND);
      await deps.applyStatusReports(dfspId, chunk, 'status_file', context);
    }
    const counts = new Map<string, number>();
    for (const { status } of reports) counts.set(status, (counts.get(status) ?? 0) + 1);
    const summary = [...counts].map(([status, count]) => `${count} ${status}`).join(', ');
    const foreign = strangers.length === 0 ? '' : `; ${strangers.length} not of that file, ignored`;
    return {
      kind: 'status_report',
      outcome: `status of ${report.originalMessageId}: ${summary || 'no payments'}${foreign}`,
    };
  }

  /** The file DFSPs, read again at most every {@link DFSP_LIST_MAX_AGE_MS}. */
  let listed: { readonly ids: readonly string[]; readonly atMs: number } | undefined;
  async function fileDfsps(): Promise<readonly string[]> {
    if (listed === undefined || now() - listed.atMs >= DFSP_LIST_MAX_AGE_MS) {
      listed = { ids: await deps.fileDfsps(), atMs: now() };
    }
    return listed.ids;
  }

  async function round(): Promise<void> {
    for (const dfspId of await fileDfsps()) {
      if ((nextVisit.get(dfspId) ?? 0) > now()) continue;
      const connector = await deps.connectorOf(dfspId);
      if (connector === undefined) continue;
      nextVisit.set(dfspId, now() + connector.files.pollIntervalMs);
      try {
        await visit(dfspId, connector);
      } catch (error) {
        if (!(error instanceof SftpUnavailable)) throw error;
        logger.warn({ dfspId, reason: error.message }, "bank's SFTP server not reachable");
      }
    }
  }

  return {
    /** One visit to every DFSP that is due one (tests call it directly). */
    round,
    /** Visits the banks until `signal` aborts. */
    run(signal: AbortSignal): Promise<void> {
      return everyInterval(deps.tickMs ?? 200, signal, logger, 'bank inbox round', round);
    },
  };
}

/** Whether a file is a `pain.002` status report (from its first 4 KiB). */
function isStatusReport(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4_096).toString('latin1');
  return /<(?:\w+:)?CstmrPmtStsRpt[\s>]/.test(head) || /pain\.002\.001/.test(head);
}

/**
 * Moves a read file to the processed folder; under a name with its content's hash when one of
 * that name is there already (a bank reusing file names).
 */
async function moveAside(
  session: SftpSession,
  from: string,
  to: string,
  contentSha256: string,
): Promise<void> {
  const target = (await session.exists(to)) ? `${to}.${contentSha256.slice(0, 12)}` : to;
  await session.rename(from, target);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
