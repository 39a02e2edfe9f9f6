import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { z } from 'zod';
import {
  type DfspConnector,
  DfspMessageError,
  DfspQueryError,
  type DisbursementGroup,
  type SubmitOutcome,
} from '../../../application/dfspConnector.js';
import type { FileExchangeJournal, SentFile } from '../../../application/fileExchangeJournal.js';
import type { FileExchange, OutboundCredentials } from '../../../domain/dfspConnection.js';
import { optional } from '../../../domain/optional.js';
import type { StatusReport } from '../../../domain/statusReport.js';
import { buildPain001, pain001Problem } from './pain001.js';
import { type SftpSession, type SftpTarget, SftpUnavailable, withSftp } from './sftpSession.js';

export interface FilesConnectorDeps {
  readonly dfspId: string;
  /** `sftp://host:port`. */
  readonly baseUrl: string;
  readonly files: FileExchange;
  readonly credentials: OutboundCredentials | undefined;
  readonly journal: FileExchangeJournal;
  /** Time limit of one SFTP session, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Fault tests only: waits this long between writing a payment file under its temporary name
   * and renaming it, so a test can kill the process in between. 0 in service.
   */
  readonly renameDelayMs?: number;
  readonly now?: () => number;
}

/** A file connector: the DFSP connector port, plus what the inbox reader needs of it. */
export interface FilesConnector extends DfspConnector {
  /** How to reach the bank's server; undefined when the credentials are missing. */
  readonly target: SftpTarget | undefined;
  readonly files: FileExchange;
  /**
   * Settles payment files left part-way by a sender that died or gave up (see `settle`), and
   * removes temporary files nobody will rename. Run by the inbox reader on each visit.
   */
  tidyOutbox(session: SftpSession): Promise<void>;
  /**
   * Logs in (host key checked, credentials tried) and lists the outbox and inbox, changing
   * nothing: the live test of the connection.
   */
  probe(): Promise<{ readonly ok: boolean; readonly detail: string }>;
}

/** Temporary name of a payment file while it is written: hidden from the bank. */
export const temporaryName = (fileName: string) => `.${fileName}.part`;
/** A temporary name's final name, or undefined for any other name. */
const finalNameOf = (name: string) => /^\.(.+)\.part$/.exec(name)?.[1];

/**
 * The `iso20022-files` connector: a group of routed payments becomes one `pain.001.001.09`
 * payment file, written to the bank's SFTP outbox under a temporary name and renamed when
 * whole, so the bank never reads half a file. The file exchange journal records each step
 * before it is taken (see {@link FileExchangeJournal}), which is how a file reaches the bank at
 * most once: a message id is written once, a temporary file whose sender died is either renamed
 * by whoever settles it (the whole file was written) or abandoned (it may not have been), never
 * both. The bank answers by file (`pain.002`, statements): the inbox reader applies those;
 * `submit` answers `accepted` once the file is delivered, and a status query answers only what
 * the journal knows (`unknown_reference` for payments whose file never reached the bank).
 *
 * @example
 * const connector = createFilesConnector({ dfspId, baseUrl, files, credentials, journal,
 *   timeoutMs: 10_000 });
 * await connector.submit(group);
 */
export function createFilesConnector(deps: FilesConnectorDeps): FilesConnector {
  const { dfspId, files, journal } = deps;
  const now = deps.now ?? Date.now;
  const target = targetOf(deps);
  /** A sending part-way for longer than this has been given up by its sender. */
  const staleAfterMs = 2 * deps.timeoutMs + (deps.renameDelayMs ?? 0);
  const outboxPath = (name: string) => `${files.outbox}/${name}`;

  async function send(group: DisbursementGroup, messageId: string): Promise<SubmitOutcome> {
    if (target === undefined) {
      return { kind: 'unreachable', messageId, reason: 'CREDENTIALS_UNAVAILABLE' };
    }
    const problems = group.payments.flatMap((payment) => pain001Problem(payment) ?? []);
    if (problems.length > 0) return { kind: 'unsendable', problems };
    const xml = buildPain001({
      messageId,
      createdAt: new Date(now()),
      paymentInformationId: group.transactionId,
      requestedExecutionDate: new Date(now()).toISOString().slice(0, 10),
      initiatingParty: { name: files.initiatingParty ?? files.debtor.name },
      debtor: {
        name: files.debtor.name,
        account: files.debtor.account,
        ...optional('agentBic', files.debtor.agentBic),
      },
      payments: group.payments,
    });
    const bytes = Buffer.from(xml, 'utf8');
    const fileName = `${messageId}.xml`;
    const begun = await journal.beginSending(
      { dfspId, messageId, fileName, contentSha256: sha256(bytes) },
      group.payments.map((payment) => payment.paymentId),
    );
    if (!begun) return { kind: 'unknown', messageId, reason: 'the file is being sent already' };
    // Set by the session's work: whether the rename may have happened when it failed.
    const progress: { stage: 'writing' | 'renaming' } = { stage: 'writing' };
    try {
      await withSftp(target, async (session) => {
        await session.write(outboxPath(temporaryName(fileName)), bytes);
        if (deps.renameDelayMs) await new Promise((r) => setTimeout(r, deps.renameDelayMs));
        if (!(await journal.advance(dfspId, messageId, 'preparing', 'renaming'))) {
          // Settled as abandoned meanwhile (this sender was too slow): it must never be renamed.
          await session.remove(outboxPath(temporaryName(fileName)));
          throw new Error('abandoned while it was written');
        }
        progress.stage = 'renaming';
        await session.rename(outboxPath(temporaryName(fileName)), outboxPath(fileName));
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (progress.stage === 'renaming') return { kind: 'unknown', messageId, reason };
      // Never renamed: the bank cannot hold these payments. The temporary file, if any is left,
      // is removed by the next tidying.
      await journal.advance(dfspId, messageId, 'preparing', 'abandoned');
      const cause = error instanceof SftpUnavailable ? error.message : reason;
      return { kind: 'unreachable', messageId, reason: cause };
    }
    await journal.advance(dfspId, messageId, 'renaming', 'delivered');
    return { kind: 'accepted', messageId };
  }

  /**
   * Decides a payment file left part-way once its sender has had time to finish: `preparing` →
   * `abandoned` (it may be incomplete; never renamed now); `renaming` → `delivered`, renaming
   * the whole temporary file where it is still there. Answers the state it ends in; a file whose
   * sender may still be at work is left as it is.
   */
  async function settle(file: SentFile, session?: SftpSession): Promise<SentFile['state']> {
    if (file.state === 'delivered' || file.state === 'abandoned') return file.state;
    if (now() - file.changedAt.getTime() < staleAfterMs) return file.state;
    if (file.state === 'preparing') {
      const won = await journal.advance(dfspId, file.messageId, 'preparing', 'abandoned');
      return won
        ? 'abandoned'
        : ((await journal.sentFile(dfspId, file.messageId))?.state ?? 'abandoned');
    }
    const finish = async (s: SftpSession) => {
      const part = outboxPath(temporaryName(file.fileName));
      if (await s.exists(part)) await s.rename(part, outboxPath(file.fileName));
    };
    if (session !== undefined) await finish(session);
    else if (target !== undefined) await withSftp(target, finish);
    else throw new SftpUnavailable('connecting', 'CREDENTIALS_UNAVAILABLE');
    await journal.advance(dfspId, file.messageId, 'renaming', 'delivered');
    return 'delivered';
  }

  return {
    target,
    files,
    statusCallbackSchema: z.never(),

    async submit(group) {
      const messageId = group.messageId ?? ulid(now());
      const recorded = await journal.sentFile(dfspId, messageId);
      if (recorded === undefined) return send(group, messageId);
      if (recorded.state === 'delivered') return { kind: 'accepted', messageId };
      return { kind: 'unknown', messageId, reason: `its file is ${recorded.state}` };
    },

    async queryStatus(_dfsp, referenceIds): Promise<StatusReport[]> {
      const filesOf = await journal.filesOfPayments(dfspId, referenceIds);
      const reports: StatusReport[] = [];
      const settled = new Map<string, SentFile['state']>();
      for (const referenceId of referenceIds) {
        const file = filesOf.get(referenceId);
        // A file is renamed only after its record: a payment in none never reached the bank.
        let state = file?.state ?? 'abandoned';
        if (file !== undefined && (state === 'preparing' || state === 'renaming')) {
          state = settled.get(file.messageId) ?? (await settleForQuery(file));
          settled.set(file.messageId, state);
        }
        reports.push(reportOf(referenceId, state));
      }
      return reports;
    },

    parseStatusReport() {
      throw new DfspMessageError('', `${dfspId} reports by file (pain.002), not by callback`);
    },

    probe: () => probe(target, files),

    async tidyOutbox(session) {
      for (const entry of await session.list(files.outbox)) {
        const fileName = finalNameOf(entry.name);
        const messageId = fileName?.replace(/\.xml$/, '');
        if (fileName === undefined || messageId === undefined) continue;
        const file = await journal.sentFile(dfspId, messageId);
        const state = file === undefined ? 'abandoned' : await settle(file, session);
        if (state === 'abandoned' && file !== undefined) {
          await session.remove(outboxPath(entry.name));
        }
      }
    },
  };

  async function settleForQuery(file: SentFile): Promise<SentFile['state']> {
    try {
      return await settle(file);
    } catch (error) {
      if (!(error instanceof SftpUnavailable)) throw error;
      throw new DfspQueryError(dfspId, `the bank's server: ${error.message}`);
    }
  }
}

/** What the journal says of a payment whose latest file is in `state`. */
function reportOf(referenceId: string, state: SentFile['state']): StatusReport {
  return state === 'abandoned'
    ? {
        referenceId,
        status: 'unknown_reference',
        reasonMessage: 'its payment file never reached the bank',
      }
    : { referenceId, status: 'pending' };
}

async function probe(
  target: SftpTarget | undefined,
  files: FileExchange,
): Promise<{ readonly ok: boolean; readonly detail: string }> {
  if (target === undefined) return { ok: false, detail: 'no ssh-password or ssh-private-key set' };
  try {
    const [outbox, inbox] = await withSftp(target, (session) =>
      Promise.all([session.list(files.outbox), session.list(files.inbox)]),
    );
    const detail =
      `logged in as ${target.username}, host key ${target.hostKey} as pinned; ` +
      `${files.outbox}: ${outbox.length} files, ${files.inbox}: ${inbox.length} files`;
    return { ok: true, detail };
  } catch (error) {
    if (!(error instanceof SftpUnavailable)) throw error;
    return { ok: false, detail: error.message };
  }
}

function targetOf(deps: FilesConnectorDeps): SftpTarget | undefined {
  const url = new URL(deps.baseUrl);
  const auth = deps.credentials?.auth;
  const common = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 22 : Number(url.port),
    username: deps.files.username,
    hostKey: deps.files.hostKey,
    timeoutMs: deps.timeoutMs,
  };
  switch (auth?.kind) {
    case 'ssh-password':
      return { ...common, auth: { password: auth.password } };
    case 'ssh-private-key':
      return {
        ...common,
        auth: {
          privateKey: auth.privateKey,
          ...(auth.passphrase === undefined ? {} : { passphrase: auth.passphrase }),
        },
      };
    default:
      return undefined;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
