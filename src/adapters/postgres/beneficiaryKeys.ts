import { createHmac } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type {
  PersonalDataVault,
  RecordToSeal,
  SealedPersonalFields,
} from '../../application/personalDataVault.js';
import type { MigrationSet, SqlDatabase, SqlExecutor } from '../../application/sqlDatabase.js';
import type { PersonalFields } from '../../domain/personalData.js';
import { pooledRandomBytes, type Sealer, sealWith, unsealWith } from '../secrets/sealing.js';

/**
 * Beneficiaries' keys. Each row is one beneficiary's AES-256 data key, sealed under the master key
 * (`master_key_id` says which), found by `beneficiary_ref`: an HMAC-SHA256 of the beneficiary id
 * under the reference key, so the table names no beneficiary and a guessed national id cannot be
 * tested against it without the master key. Erasure empties the row (key, reference, master key
 * id) and keeps only the random `key_id` and when: a key that was never here is then told apart
 * from one destroyed. The reference key is the one row of `beneficiary_ref_key`, random and
 * sealed under the master key, so rotating the master key keeps every reference.
 */
export const beneficiaryKeysMigrations: MigrationSet = {
  component: 'personal-data',
  migrations: [
    {
      version: 1,
      name: 'beneficiary keys and the reference key',
      sql: `CREATE TABLE beneficiary_keys (
  key_id text PRIMARY KEY,
  beneficiary_ref text UNIQUE,
  master_key_id text,
  sealed_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  CONSTRAINT beneficiary_keys_held_or_erased CHECK (
    (erased_at IS NULL) =
      (beneficiary_ref IS NOT NULL AND master_key_id IS NOT NULL AND sealed_key IS NOT NULL)
  )
);
CREATE TABLE beneficiary_ref_key (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  master_key_id text NOT NULL,
  sealed text NOT NULL
)`,
    },
  ],
};

const DATA_KEY_BYTES = 32;
/** Data keys kept in memory at most (about 30 MB): a batch's, from its loading to its end. */
const KEY_CACHE_ENTRIES = 200_000;
/**
 * Records kept opened (or just sealed) in memory: every projection, the batch processor and the
 * next command on a payment read the same events within moments.
 */
const RECORD_CACHE_ENTRIES = 10_000;
/**
 * How long anything is kept in memory. An erasure clears every process's caches at once (NOTIFY
 * on {@link ERASURE_CHANNEL}); this bounds how long a lost notification could leave a key open,
 * and is long enough for a batch's keys to last from its loading to its last payment.
 */
const CACHE_TTL_MS = 600_000;
/** Where a process tells the others that it destroyed a key. */
const ERASURE_CHANNEL = 'beneficiary_key_destroyed';

const keyBoundTo = (keyId: string) => `beneficiary-key:${keyId}`;
const REF_KEY_BOUND_TO = 'beneficiary-ref-key';
const recordBoundTo = (keyId: string, paymentId: string) => `personal-data:${keyId}:${paymentId}`;

interface KeyRow {
  readonly key_id: string;
  readonly beneficiary_ref: string | null;
  readonly master_key_id: string | null;
  readonly sealed_key: string | null;
}

/**
 * A data key as a 32-character latin1 string, or `null` once destroyed. A string is the smallest
 * thing V8 keeps 32 bytes in: a `KeyObject` costs about 500 bytes, a Buffer pins a shared 8 KB
 * pool, and the cache holds a key for each of a batch's 100,000 beneficiaries.
 */
type DataKey = string | null;
const keyBytes = (key: string) => Buffer.from(key, 'latin1');

/** A record's personal fields in clear, with the key they are sealed under. */
interface OpenedRecord {
  readonly beneficiaryKey: string;
  readonly personal: PersonalFields;
}

/**
 * The vault on the `beneficiary_keys` table. Makes the reference key on first start, and refuses
 * to start when keys are sealed under another master key (a changed `SECRETS_KEY` without
 * `npm run rotate-secrets-key`).
 *
 * @example
 * const vault = await createPersonalDataVault(sql, sealer);
 * const [sealed] = await vault.seal([{ paymentId, personal: { beneficiaryId, payeeFa } }]);
 */
export async function createPersonalDataVault(
  sql: SqlDatabase,
  sealer: Sealer,
): Promise<PersonalDataVault> {
  const table = createKeyTable(sql, sealer, await referenceKey(sql, sealer));
  await refuseForeignKeys(sql, sealer);
  const opened = new ExpiringCache<string, OpenedRecord>(RECORD_CACHE_ENTRIES);
  const cacheKey = (paymentId: string, sealed: string) => `${paymentId}:${sealed}`;
  const forgetAll = () => {
    table.forgetAll();
    opened.clear();
  };
  const unlisten = await sql.listen(ERASURE_CHANNEL, forgetAll);
  return {
    async seal(toSeal: readonly RecordToSeal[]) {
      const refs = toSeal.map((record) =>
        record.beneficiaryKey === undefined
          ? table.refOf(record.personal.beneficiaryId)
          : undefined,
      );
      const byRef = await table.keyIdsFor(refs.filter((ref): ref is string => ref !== undefined));
      const keyIds = toSeal.map((record, index) => {
        const ref = refs[index];
        const keyId = ref === undefined ? record.beneficiaryKey : byRef.get(ref);
        if (keyId === undefined) throw new Error(`no key was made for payment ${record.paymentId}`);
        return keyId;
      });
      const dataKeys = await table.keysById(keyIds);
      return toSeal.map((record, index): SealedPersonalFields | undefined => {
        const beneficiaryKey = keyIds[index] as string;
        const key = dataKeys.get(beneficiaryKey);
        if (key === undefined || key === null) return undefined;
        const plaintext = JSON.stringify(record.personal);
        const boundTo = recordBoundTo(beneficiaryKey, record.paymentId);
        const sealed = sealWith(keyBytes(key), plaintext, boundTo);
        opened.set(cacheKey(record.paymentId, sealed), {
          beneficiaryKey,
          personal: record.personal,
        });
        return { beneficiaryKey, sealed };
      });
    },
    async opener(beneficiaryKeys) {
      const dataKeys = await table.keysById(beneficiaryKeys);
      return ({ beneficiaryKey, paymentId, sealed }) => {
        const hit = opened.get(cacheKey(paymentId, sealed));
        if (hit?.beneficiaryKey === beneficiaryKey) return hit.personal;
        const key = dataKeys.get(beneficiaryKey);
        if (key === undefined) throw new Error(`beneficiary key ${beneficiaryKey} was not loaded`);
        if (key === null) return undefined;
        const boundTo = recordBoundTo(beneficiaryKey, paymentId);
        const plaintext = unsealWith(keyBytes(key), sealed, boundTo);
        const personal = JSON.parse(plaintext) as PersonalFields;
        opened.set(cacheKey(paymentId, sealed), { beneficiaryKey, personal });
        return personal;
      };
    },
    async keyOf(beneficiaryId) {
      const { rows } = await sql.query<{ key_id: string }>(
        'SELECT key_id FROM beneficiary_keys WHERE beneficiary_ref = $1',
        [table.refOf(beneficiaryId)],
      );
      return rows[0]?.key_id;
    },
    async destroy(beneficiaryKey) {
      const { rowCount } = await sql.query(
        `UPDATE beneficiary_keys
         SET beneficiary_ref = NULL, master_key_id = NULL, sealed_key = NULL, erased_at = now()
         WHERE key_id = $1 AND erased_at IS NULL`,
        [beneficiaryKey],
      );
      // This process at once; the others when the notification reaches them.
      forgetAll();
      if (rowCount > 0) await sql.query(`NOTIFY ${ERASURE_CHANNEL}`);
      return rowCount > 0;
    },
    close: () => unlisten(),
  };
}

/**
 * The rows of `beneficiary_keys`, data keys cached by key id, read (or made) a page at a time. Key
 * ids by beneficiary are not cached: they are looked up once per chunk of payments added.
 */
function createKeyTable(sql: SqlExecutor, sealer: Sealer, refKey: Buffer) {
  const keys = new ExpiringCache<string, DataKey>(KEY_CACHE_ENTRIES);
  // Monotonic: one random draw per millisecond, not one per key (ulid draws each character).
  const newKeyId = monotonicFactory();

  const remember = (row: KeyRow): DataKey => {
    const key = openDataKey(row, sealer);
    keys.set(row.key_id, key);
    return key;
  };

  /** The data keys of `keyIds`; every one must be known here (held or destroyed). */
  async function keysById(keyIds: readonly string[]): Promise<Map<string, DataKey>> {
    const found = new Map<string, DataKey>();
    const missing: string[] = [];
    for (const keyId of new Set(keyIds)) {
      const key = keys.get(keyId);
      if (key === undefined) missing.push(keyId);
      else found.set(keyId, key);
    }
    if (missing.length === 0) return found;
    const { rows } = await sql.query<KeyRow>(
      `SELECT key_id, beneficiary_ref, master_key_id, sealed_key FROM beneficiary_keys
       WHERE key_id = ANY($1::text[])`,
      [missing],
    );
    for (const row of rows) found.set(row.key_id, remember(row));
    const unknown = missing.find((keyId) => !found.has(keyId));
    if (unknown !== undefined) {
      throw new Error(
        `beneficiary key ${unknown} is not in beneficiary_keys: personal data sealed under it ` +
          'cannot be read (was the key table restored from another database?)',
      );
    }
    return found;
  }

  /** The key id of each beneficiary reference, making keys for the ones that have none. */
  async function keyIdsFor(refs: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const lookUp = async (wanted: readonly string[]) => {
      if (wanted.length === 0) return;
      const { rows } = await sql.query<KeyRow>(
        `SELECT key_id, beneficiary_ref, master_key_id, sealed_key FROM beneficiary_keys
         WHERE beneficiary_ref = ANY($1::text[])`,
        [wanted],
      );
      for (const row of rows) {
        remember(row);
        if (row.beneficiary_ref !== null) found.set(row.beneficiary_ref, row.key_id);
      }
    };
    const unique = [...new Set(refs)];
    await lookUp(unique);
    const toMake = unique.filter((ref) => !found.has(ref));
    if (toMake.length === 0) return found;
    const made = toMake.map(() => newKeyId());
    await sql.query(
      `INSERT INTO beneficiary_keys (key_id, beneficiary_ref, master_key_id, sealed_key)
       SELECT key_id, ref, $3, sealed
       FROM unnest($1::text[], $2::text[], $4::text[]) AS r(key_id, ref, sealed)
       ON CONFLICT (beneficiary_ref) DO NOTHING`,
      [
        made,
        toMake,
        sealer.keyId,
        made.map((keyId) =>
          sealer.seal(pooledRandomBytes(DATA_KEY_BYTES).toString('base64'), keyBoundTo(keyId)),
        ),
      ],
    );
    // Read back: a concurrent writer may have made some of them first.
    await lookUp(toMake);
    return found;
  }

  return {
    keysById,
    keyIdsFor,
    refOf: (beneficiaryId: string) =>
      createHmac('sha256', refKey).update(beneficiaryId, 'utf8').digest('hex'),
    /** Drops every key from memory: one was destroyed, here or in another process. */
    forgetAll() {
      keys.clear();
    },
  };
}

function openDataKey(row: KeyRow, sealer: Sealer): DataKey {
  if (row.sealed_key === null) return null;
  if (row.master_key_id !== sealer.keyId) {
    throw new Error(
      `beneficiary key ${row.key_id} is sealed under another master key: SECRETS_KEY changed ` +
        'without npm run rotate-secrets-key',
    );
  }
  const sealed = sealer.unseal(row.sealed_key, keyBoundTo(row.key_id));
  return Buffer.from(sealed, 'base64').toString('latin1');
}

/** The reference key, made (random) and kept sealed on first use. */
async function referenceKey(sql: SqlExecutor, sealer: Sealer): Promise<Buffer> {
  await sql.query(
    `INSERT INTO beneficiary_ref_key (master_key_id, sealed) VALUES ($1, $2)
     ON CONFLICT (id) DO NOTHING`,
    [
      sealer.keyId,
      sealer.seal(pooledRandomBytes(DATA_KEY_BYTES).toString('base64'), REF_KEY_BOUND_TO),
    ],
  );
  const { rows } = await sql.query<{ master_key_id: string; sealed: string }>(
    'SELECT master_key_id, sealed FROM beneficiary_ref_key',
  );
  const row = rows[0];
  if (row === undefined) throw new Error('the beneficiary reference key was not kept');
  if (row.master_key_id !== sealer.keyId) {
    throw new Error(
      'the beneficiary reference key is sealed under another master key: SECRETS_KEY changed ' +
        'without npm run rotate-secrets-key',
    );
  }
  return Buffer.from(sealer.unseal(row.sealed, REF_KEY_BOUND_TO), 'base64');
}

async function refuseForeignKeys(sql: SqlExecutor, sealer: Sealer): Promise<void> {
  const { rows } = await sql.query<{ count: string }>(
    `SELECT count(*)::text AS count FROM beneficiary_keys
     WHERE master_key_id IS NOT NULL AND master_key_id <> $1`,
    [sealer.keyId],
  );
  const count = Number(rows[0]?.count ?? '0');
  if (count > 0) {
    throw new Error(
      `${count} beneficiary key(s) are sealed under another master key: SECRETS_KEY (or ` +
        'SECRETS_KEY_FILE, or DATA_DIR/secrets-key) changed without npm run rotate-secrets-key',
    );
  }
}

/** Rows re-sealed per statement during a rotation. */
const RESEAL_PAGE = 1_000;

/**
 * Re-seals the reference key and every beneficiary key sealed under `from` under `to`, a page at
 * a time, inside the caller's transaction. Keys already under `to` are left as they are (a
 * rotation can be run again); a key under neither stops it. Answers how many keys it re-sealed.
 */
export async function resealBeneficiaryKeys(
  tx: SqlExecutor,
  from: Sealer,
  to: Sealer,
): Promise<{ resealed: number }> {
  const refKey = await tx.query<{ master_key_id: string; sealed: string }>(
    'SELECT master_key_id, sealed FROM beneficiary_ref_key FOR UPDATE',
  );
  const refRow = refKey.rows[0];
  if (refRow !== undefined && refRow.master_key_id !== to.keyId) {
    const plaintext = unsealUnder(from, refRow.master_key_id, refRow.sealed, REF_KEY_BOUND_TO);
    await tx.query('UPDATE beneficiary_ref_key SET master_key_id = $1, sealed = $2', [
      to.keyId,
      to.seal(plaintext, REF_KEY_BOUND_TO),
    ]);
  }
  let resealed = 0;
  for (;;) {
    const { rows } = await tx.query<{ key_id: string; master_key_id: string; sealed_key: string }>(
      `SELECT key_id, master_key_id, sealed_key FROM beneficiary_keys
       WHERE sealed_key IS NOT NULL AND master_key_id <> $1
       ORDER BY key_id LIMIT ${RESEAL_PAGE} FOR UPDATE`,
      [to.keyId],
    );
    if (rows.length === 0) return { resealed };
    const sealed = rows.map((row) =>
      to.seal(
        unsealUnder(from, row.master_key_id, row.sealed_key, keyBoundTo(row.key_id)),
        keyBoundTo(row.key_id),
      ),
    );
    await tx.query(
      `UPDATE beneficiary_keys k SET master_key_id = $3, sealed_key = r.sealed
       FROM unnest($1::text[], $2::text[]) AS r(key_id, sealed) WHERE k.key_id = r.key_id`,
      [rows.map((row) => row.key_id), sealed, to.keyId],
    );
    resealed += rows.length;
  }
}

function unsealUnder(from: Sealer, keyId: string, sealed: string, boundTo: string): string {
  if (keyId !== from.keyId)
    throw new Error(`a beneficiary key is sealed under unknown key ${keyId}`);
  return from.unseal(sealed, boundTo);
}

/** A bounded map whose entries expire: the oldest entry goes first when it is full. */
class ExpiringCache<Key, Value> {
  readonly #entries = new Map<Key, { readonly value: Value; readonly at: number }>();

  constructor(readonly capacity: number) {}

  get(key: Key): Value | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (Date.now() - entry.at > CACHE_TTL_MS) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: Key, value: Value): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: Date.now() });
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
