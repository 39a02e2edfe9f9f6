import type {
  FileExchangeJournal,
  ReceivedFile,
  ReceivedFileKind,
  SentFile,
  SentFileState,
} from '../../application/fileExchangeJournal.js';
import type { MigrationSet, SqlExecutor } from '../../application/sqlDatabase.js';

/**
 * The file exchange journal's tables: payment files sent (with the payments each carried) and
 * inbox files read, one row per content.
 */
export const fileExchangeMigrations: MigrationSet = {
  component: 'file-exchange',
  migrations: [
    {
      version: 1,
      name: 'payment files sent and bank files read',
      sql: `CREATE TABLE sent_files (
  dfsp_id text NOT NULL,
  message_id text NOT NULL,
  file_name text NOT NULL,
  content_sha256 text NOT NULL,
  state text NOT NULL CHECK (state IN ('preparing', 'renaming', 'delivered', 'abandoned')),
  payment_count integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dfsp_id, message_id)
);
CREATE TABLE sent_file_payments (
  dfsp_id text NOT NULL,
  message_id text NOT NULL,
  position integer NOT NULL,
  payment_id text NOT NULL,
  PRIMARY KEY (dfsp_id, message_id, position)
);
CREATE INDEX sent_file_payments_by_payment ON sent_file_payments (dfsp_id, payment_id);
CREATE TABLE received_files (
  dfsp_id text NOT NULL,
  content_sha256 text NOT NULL,
  file_name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('status_report', 'statement', 'unreadable')),
  outcome text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dfsp_id, content_sha256)
)`,
    },
  ],
};

interface SentRow {
  dfsp_id: string;
  message_id: string;
  file_name: string;
  content_sha256: string;
  state: SentFileState;
  payment_count: number;
  changed_at: Date | string;
}

interface ReceivedRow {
  dfsp_id: string;
  file_name: string;
  content_sha256: string;
  kind: ReceivedFileKind;
  outcome: string;
  received_at: Date | string;
}

const SENT_COLUMNS =
  'dfsp_id, message_id, file_name, content_sha256, state, payment_count, changed_at';
const RECEIVED_COLUMNS = 'dfsp_id, file_name, content_sha256, kind, outcome, received_at';

/** The journal on Postgres or PGlite (the same SQL). */
export function createFileExchangeJournal(sql: SqlExecutor): FileExchangeJournal {
  return {
    async beginSending(file, paymentIds) {
      const inserted = await sql.query(
        `INSERT INTO sent_files (dfsp_id, message_id, file_name, content_sha256, state, payment_count)
         VALUES ($1, $2, $3, $4, 'preparing', $5) ON CONFLICT DO NOTHING`,
        [file.dfspId, file.messageId, file.fileName, file.contentSha256, paymentIds.length],
      );
      if (inserted.rowCount === 0) return false;
      await sql.query(
        `INSERT INTO sent_file_payments (dfsp_id, message_id, position, payment_id)
         SELECT $1, $2, p.position::integer, p.payment_id
         FROM unnest($3::text[]) WITH ORDINALITY AS p(payment_id, position)
         ON CONFLICT DO NOTHING`,
        [file.dfspId, file.messageId, paymentIds],
      );
      return true;
    },

    async advance(dfspId, messageId, from, to) {
      const { rowCount } = await sql.query(
        `UPDATE sent_files SET state = $4, changed_at = now()
         WHERE dfsp_id = $1 AND message_id = $2 AND state = $3`,
        [dfspId, messageId, from, to],
      );
      return rowCount === 1;
    },

    async sentFile(dfspId, messageId) {
      const { rows } = await sql.query<SentRow>(
        `SELECT ${SENT_COLUMNS} FROM sent_files WHERE dfsp_id = $1 AND message_id = $2`,
        [dfspId, messageId],
      );
      return rows[0] === undefined ? undefined : sentFileOf(rows[0]);
    },

    async paymentsOf(dfspId, messageId) {
      const { rows } = await sql.query<{ payment_id: string }>(
        `SELECT payment_id FROM sent_file_payments
         WHERE dfsp_id = $1 AND message_id = $2 ORDER BY position`,
        [dfspId, messageId],
      );
      return rows.map((row) => row.payment_id);
    },

    async filesOfPayments(dfspId, paymentIds) {
      const { rows } = await sql.query<SentRow & { payment_id: string }>(
        `SELECT DISTINCT ON (p.payment_id) p.payment_id,
                f.dfsp_id, f.message_id, f.file_name, f.content_sha256, f.state, f.payment_count,
                f.changed_at
         FROM sent_file_payments p
         JOIN sent_files f ON f.dfsp_id = p.dfsp_id AND f.message_id = p.message_id
         WHERE p.dfsp_id = $1 AND p.payment_id = ANY($2::text[])
         ORDER BY p.payment_id, f.created_at DESC, f.message_id DESC`,
        [dfspId, paymentIds],
      );
      return new Map(rows.map((row) => [row.payment_id, sentFileOf(row)]));
    },

    async receivedFile(dfspId, contentSha256) {
      const { rows } = await sql.query<ReceivedRow>(
        `SELECT ${RECEIVED_COLUMNS} FROM received_files
         WHERE dfsp_id = $1 AND content_sha256 = $2`,
        [dfspId, contentSha256],
      );
      return rows[0] === undefined ? undefined : receivedFileOf(rows[0]);
    },

    async recordReceived(file) {
      await sql.query(
        `INSERT INTO received_files (dfsp_id, content_sha256, file_name, kind, outcome)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [file.dfspId, file.contentSha256, file.fileName, file.kind, file.outcome.slice(0, 2_000)],
      );
    },

    async listFiles(dfspId, limit) {
      const sent = await sql.query<SentRow>(
        `SELECT ${SENT_COLUMNS} FROM sent_files WHERE dfsp_id = $1
         ORDER BY created_at DESC, message_id DESC LIMIT $2`,
        [dfspId, limit],
      );
      const received = await sql.query<ReceivedRow>(
        `SELECT ${RECEIVED_COLUMNS} FROM received_files WHERE dfsp_id = $1
         ORDER BY received_at DESC, file_name DESC LIMIT $2`,
        [dfspId, limit],
      );
      return { sent: sent.rows.map(sentFileOf), received: received.rows.map(receivedFileOf) };
    },
  };
}

function sentFileOf(row: SentRow): SentFile {
  return {
    dfspId: row.dfsp_id,
    messageId: row.message_id,
    fileName: row.file_name,
    contentSha256: row.content_sha256,
    state: row.state,
    paymentCount: Number(row.payment_count),
    changedAt: new Date(row.changed_at),
  };
}

function receivedFileOf(row: ReceivedRow): ReceivedFile {
  return {
    dfspId: row.dfsp_id,
    fileName: row.file_name,
    contentSha256: row.content_sha256,
    kind: row.kind,
    outcome: row.outcome,
    receivedAt: new Date(row.received_at),
  };
}
