import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

const accountSchema = z.strictObject({ scheme: z.enum(['IBAN', 'Othr']), id: z.string() });

/** A transaction of a taken file with the bank's decision on it. */
export const takenPaymentSchema = z.strictObject({
  pmtInfId: z.string(),
  instrId: z.string().optional(),
  endToEndId: z.string(),
  amount: z.string(),
  currency: z.string(),
  creditorName: z.string().optional(),
  creditorAccount: accountSchema.optional(),
  debtorAccount: accountSchema.optional(),
  requestedExecutionDate: z.string().optional(),
  status: z.enum(['ACSC', 'RJCT']),
  /** ISO ExternalStatusReason1Code of a rejection. */
  reason: z.string().optional(),
  info: z.string().optional(),
});
export type TakenPayment = z.infer<typeof takenPaymentSchema>;

/**
 * A file picked up from `outbox/` and decided at once: the group status of its first answer and,
 * when accepted, every transaction's final status (told later, at `settled`).
 */
export const takenRecordSchema = z.strictObject({
  type: z.literal('taken'),
  seq: z.number().int().min(1),
  file: z.string(),
  sha256: z.string(),
  at: z.string(),
  /** Every answer's name starts with it: `pain002_<MsgId>`, `…_DU01_<seq>` for a duplicate. */
  answerStem: z.string(),
  original: z.strictObject({
    msgId: z.string(),
    msgNmId: z.string(),
    nbOfTxs: z.string().optional(),
    ctrlSum: z.string().optional(),
  }),
  group: z.strictObject({
    status: z.enum(['ACTC', 'RJCT']),
    reason: z.string().optional(),
    info: z.string().optional(),
  }),
  paymentInfos: z.array(
    z.strictObject({
      pmtInfId: z.string(),
      nbOfTxs: z.string().optional(),
      ctrlSum: z.string().optional(),
    }),
  ),
  payments: z.array(takenPaymentSchema),
  /** How long after `at` the accepted payments are booked and their outcome told. */
  settleAfterMs: z.number().int().min(0),
});
export type TakenRecord = z.infer<typeof takenRecordSchema>;

/** A statement decided (its file is written after). */
export const statementRecordSchema = z.strictObject({
  type: z.literal('statement'),
  seq: z.number().int().min(1),
  name: z.string(),
  currency: z.string(),
  from: z.string(),
  to: z.string(),
});
export type StatementRecord = z.infer<typeof statementRecordSchema>;

/** One line of the bank's journal. */
export const journalRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('opened'), at: z.string() }),
  takenRecordSchema,
  /** The taken file was moved out of `outbox/`: a later file of that name is a new upload. */
  z.strictObject({ type: z.literal('moved'), seq: z.number().int(), to: z.string() }),
  /** The accepted payments of file `seq` were booked at `at`. */
  z.strictObject({ type: z.literal('settled'), seq: z.number().int(), at: z.string() }),
  /** An answer file is in `inbox/`, whole. */
  z.strictObject({ type: z.literal('written'), name: z.string() }),
  statementRecordSchema,
]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;

/** The bank's durable memory: append-only JSON lines, each synced to disk before it counts. */
export interface Journal {
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the journal at `path` (created with its directory when missing) and returns what it
 * holds. A last line cut short by a crash is dropped (the file is truncated after the last whole
 * line); any other line that is not a valid record throws: a ledger's memory is not guessed at.
 */
export async function openJournal(
  path: string,
): Promise<{ journal: Journal; records: JournalRecord[] }> {
  await mkdir(dirname(path), { recursive: true });
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const whole = text.lastIndexOf('\n') + 1;
  if (whole < text.length) {
    await truncate(path, Buffer.byteLength(text.slice(0, whole)));
    text = text.slice(0, whole);
  }
  const records = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      const parsed = journalRecordSchema.safeParse(JSON.parse(line));
      if (!parsed.success)
        throw new Error(`bank journal ${path}: line ${index + 1} is not a record`);
      return parsed.data;
    });
  const handle = await open(path, 'a');
  return {
    records,
    journal: {
      async append(record) {
        await handle.write(`${JSON.stringify(record)}\n`);
        await handle.datasync();
      },
      close: () => handle.close(),
    },
  };
}
