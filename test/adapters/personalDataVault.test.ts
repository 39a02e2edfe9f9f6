import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beneficiaryKeysMigrations,
  createPersonalDataVault,
  resealBeneficiaryKeys,
} from '../../src/adapters/postgres/beneficiaryKeys.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPostgresEventStore } from '../../src/adapters/postgres/postgresEventStore.js';
import { createSealer, type Sealer } from '../../src/adapters/secrets/sealing.js';
import type { EventStore } from '../../src/application/eventStore.js';
import { protectPersonalData } from '../../src/application/personalDataProtection.js';
import type { PersonalDataVault, RecordToOpen } from '../../src/application/personalDataVault.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { paymentsProjection } from '../../src/projections/paymentsProjection.js';
import { rebuildProjection } from '../../src/projections/projectionRunner.js';
import { readModelMigrations } from '../../src/projections/readModelSchema.js';
import { streamSummaries } from '../../src/projections/streamSummaries.js';
import { feedFor } from '../../src/stores.js';
import { createMigratedPglite, createMigratedPostgres, databaseUrl } from '../support/databases.js';

/**
 * Beneficiaries' keys on a real (PGlite) database, and the event store that seals personal data
 * with them: nothing personal is written in clear, an altered or moved ciphertext is refused, a
 * destroyed key reads as erased, and a rotation of the master key keeps every key readable.
 */

const context = {
  occurredAt: '2026-12-03T10:00:00Z',
  actor: 'user:olive',
  correlationId: 'c',
  causationId: null,
};
/** Opens records as the event store does: their keys loaded at once, then each record. */
async function openAll(vault: PersonalDataVault, records: readonly RecordToOpen[]) {
  const open = await vault.opener(records.map((record) => record.beneficiaryKey));
  return records.map(open);
}

/** The vault, counting the keys it is asked to open. */
function countingOpens(vault: PersonalDataVault) {
  let opened = 0;
  return {
    vault: {
      ...vault,
      opener(keys: readonly string[]) {
        opened += keys.length;
        return vault.opener(keys);
      },
    } satisfies PersonalDataVault,
    opens: () => opened,
  };
}

const JANE = { beneficiaryId: 'NID-1985-0042', payeeFa: 'account:100200300@bank-a' };

describe('personal data vault', () => {
  let db: SqlDatabase;
  let sealer: Sealer;
  let vault: PersonalDataVault;

  beforeAll(async () => {
    db = await createMigratedPglite();
    await migrate(db, [beneficiaryKeysMigrations]);
    sealer = createSealer(randomBytes(32));
    vault = await createPersonalDataVault(db, sealer);
  });
  afterAll(async () => {
    await vault?.close();
    await db?.close();
  });

  const tableText = async () =>
    JSON.stringify((await db.query('SELECT * FROM beneficiary_keys')).rows);

  it('seals under one key per beneficiary and opens what it sealed', async () => {
    const paymentIds = [ulid(), ulid(), ulid()];
    const sealed = await vault.seal([
      { paymentId: paymentIds[0] ?? '', personal: { ...JANE, payeeName: 'Jane Doe' } },
      { paymentId: paymentIds[1] ?? '', personal: JANE },
      { paymentId: paymentIds[2] ?? '', personal: { beneficiaryId: 'NID-2', payeeFa: 'x:1@y' } },
    ]);
    expect(sealed[0]?.beneficiaryKey).toBe(sealed[1]?.beneficiaryKey);
    expect(sealed[2]?.beneficiaryKey).not.toBe(sealed[0]?.beneficiaryKey);
    expect(JSON.stringify(sealed)).not.toContain('Jane');
    expect(await tableText()).not.toContain('NID-1985-0042');
    const opened = await openAll(
      vault,
      sealed.map((record, index) => ({
        paymentId: paymentIds[index] ?? '',
        beneficiaryKey: record?.beneficiaryKey ?? '',
        sealed: record?.sealed ?? '',
      })),
    );
    expect(opened[0]).toEqual({ ...JANE, payeeName: 'Jane Doe' });
    expect(opened[1]).toEqual(JANE);
    expect(await vault.keyOf(JANE.beneficiaryId)).toBe(sealed[0]?.beneficiaryKey);
  });

  it('refuses a ciphertext altered, moved to another payment, or under a key never held', async () => {
    const paymentId = ulid();
    const [record] = await vault.seal([{ paymentId, personal: JANE }]);
    if (record === undefined) throw new Error('not sealed');
    const bytes = Buffer.from(record.sealed, 'base64');
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    const altered = { ...record, paymentId, sealed: bytes.toString('base64') };
    await expect(openAll(vault, [altered])).rejects.toThrow();
    await expect(openAll(vault, [{ ...record, paymentId: ulid() }])).rejects.toThrow();
    await expect(
      openAll(vault, [{ ...record, paymentId, beneficiaryKey: ulid() }]),
    ).rejects.toThrow(/not in beneficiary_keys/);
  });

  it('reads a destroyed key as erased, and gives the beneficiary a new key afterwards', async () => {
    const paymentId = ulid();
    const personal = { beneficiaryId: 'NID-ERASE-1', payeeFa: 'account:555000111@bank-b' };
    const [record] = await vault.seal([{ paymentId, personal }]);
    if (record === undefined) throw new Error('not sealed');
    expect(await vault.destroy(record.beneficiaryKey)).toBe(true);
    expect(await vault.destroy(record.beneficiaryKey)).toBe(false);
    expect(await openAll(vault, [{ ...record, paymentId }])).toEqual([undefined]);
    expect(await vault.keyOf(personal.beneficiaryId)).toBeUndefined();
    // Sealing again under the destroyed key (a fan-out of an erased line): written erased.
    expect(
      await vault.seal([{ paymentId, personal, beneficiaryKey: record.beneficiaryKey }]),
    ).toEqual([undefined]);
    const [fresh] = await vault.seal([{ paymentId: ulid(), personal }]);
    expect(fresh?.beneficiaryKey).not.toBe(record.beneficiaryKey);
    const { rows } = await db.query<Record<string, unknown>>(
      'SELECT * FROM beneficiary_keys WHERE key_id = $1',
      [record.beneficiaryKey],
    );
    expect(rows[0]).toMatchObject({ beneficiary_ref: null, sealed_key: null, master_key_id: null });
  });

  it('forgets a key another process destroyed as soon as that process says so', () =>
    expectErasureSeenElsewhere(db, sealer, vault));

  it('keeps every key readable through a rotation of the master key', async () => {
    const paymentId = ulid();
    const [record] = await vault.seal([{ paymentId, personal: JANE }]);
    if (record === undefined) throw new Error('not sealed');
    const next = createSealer(randomBytes(32));
    const { resealed } = await db.transaction((tx) => resealBeneficiaryKeys(tx, sealer, next));
    expect(resealed).toBeGreaterThan(0);
    await expect(createPersonalDataVault(db, sealer)).rejects.toThrow(/another master key/);
    await vault.close();
    const rotated = await createPersonalDataVault(db, next);
    expect(await openAll(rotated, [{ ...record, paymentId }])).toEqual([JANE]);
    expect(await rotated.keyOf(JANE.beneficiaryId)).toBe(record.beneficiaryKey);
    expect(await db.transaction((tx) => resealBeneficiaryKeys(tx, sealer, next))).toEqual({
      resealed: 0,
    });
    sealer = next;
    vault = rotated;
  });
});

describe.skipIf(!databaseUrl)('personal data vaults in two processes, on Postgres', () => {
  it('forgets a key the other destroyed when told over NOTIFY', async () => {
    const handle = await createMigratedPostgres();
    try {
      await migrate(handle.db, [beneficiaryKeysMigrations]);
      const sealer = createSealer(randomBytes(32));
      const vault = await createPersonalDataVault(handle.db, sealer);
      try {
        await expectErasureSeenElsewhere(handle.db, sealer, vault);
      } finally {
        await vault.close();
      }
    } finally {
      await handle.close();
    }
  });
});

/**
 * Another vault on the same database (another process, as far as caches go) opens a record and
 * so caches its key; `vault` destroys the key; the other soon reads the record as erased.
 */
async function expectErasureSeenElsewhere(
  db: SqlDatabase,
  sealer: Sealer,
  vault: PersonalDataVault,
): Promise<void> {
  const other = await createPersonalDataVault(db, sealer);
  try {
    const paymentId = ulid();
    const personal = { beneficiaryId: `NID-TWO-${paymentId}`, payeeFa: 'account:42@bank-a' };
    const [record] = await vault.seal([{ paymentId, personal }]);
    if (record === undefined) throw new Error('not sealed');
    expect(await openAll(other, [{ ...record, paymentId }])).toEqual([personal]);
    await vault.destroy(record.beneficiaryKey);
    await expect
      .poll(async () => (await openAll(other, [{ ...record, paymentId }]))[0], { timeout: 5_000 })
      .toBeUndefined();
  } finally {
    await other.close();
  }
}

describe('an event store protecting personal data', () => {
  let db: SqlDatabase;
  let raw: EventStore;
  let store: EventStore;
  let vault: PersonalDataVault;

  beforeAll(async () => {
    db = await createMigratedPglite();
    await migrate(db, [beneficiaryKeysMigrations]);
    vault = await createPersonalDataVault(db, createSealer(randomBytes(32)));
    raw = createPostgresEventStore(db);
    store = protectPersonalData(raw, vault);
  });
  afterAll(async () => {
    await vault?.close();
    await db?.close();
  });

  it('writes sealed records, reads them as decided, and as erased once the key is gone', async () => {
    const batchId = ulid();
    const lines = [
      { paymentId: ulid(), reference: 'r-1', amountMinor: '1000', ...JANE, payeeName: 'Jane Doe' },
      {
        paymentId: ulid(),
        reference: 'r-2',
        amountMinor: '2000',
        beneficiaryId: 'NID-7',
        payeeFa: 'mobile:254700000007@mpesa',
        purpose: 'school fees',
      },
    ];
    await store.append(`batch-${batchId}`, 'no_stream', [
      {
        id: crypto.randomUUID(),
        type: 'PaymentsAdded',
        data: { batchId, payments: lines },
        metadata: context,
      },
    ]);
    const stored = JSON.stringify((await raw.readStream(`batch-${batchId}`)).map((e) => e.data));
    for (const text of ['NID-1985', 'Jane', '100200300', '254700000007', 'school fees']) {
      expect(stored).not.toContain(text);
    }
    expect(stored).toContain('"amountMinor":"1000"');
    const paymentsIn = (event: { data: unknown } | undefined) =>
      (event?.data as { payments?: Record<string, unknown>[] } | undefined)?.payments ?? [];
    const payments = paymentsIn((await store.readStream(`batch-${batchId}`))[0]);
    expect(payments[0]).toEqual({ ...lines[0], beneficiaryKey: expect.any(String) });
    expect(payments[1]).toEqual({ ...lines[1], beneficiaryKey: expect.any(String) });

    await vault.destroy(String(payments[0]?.beneficiaryKey));
    const page = await store.readAll({ limit: 10 });
    const erased = paymentsIn(page.events[0]);
    expect(erased[0]).toEqual({
      paymentId: lines[0]?.paymentId,
      reference: 'r-1',
      amountMinor: '1000',
      beneficiaryKey: payments[0]?.beneficiaryKey,
      beneficiaryId: '[erased]',
      payeeFa: '[erased]',
    });
    expect(erased[1]).toEqual(payments[1]);
  });

  it('seals what appendMany writes, and keeps a line without a payee address without one', async () => {
    const paymentIds = [ulid(), ulid()];
    const instructed = (paymentId: string, payee: Record<string, string>) => ({
      id: crypto.randomUUID(),
      type: 'PaymentInstructed',
      data: {
        paymentId,
        batchId: ulid(),
        programId: 'CT-MAP',
        reference: `r-${paymentId}`,
        amountMinor: '500',
        currency: 'KES',
        ...payee,
      },
      metadata: context,
    });
    const outcomes = await store.appendMany([
      {
        stream: `payment-${paymentIds[0]}`,
        expected: 'no_stream',
        events: [instructed(paymentIds[0] ?? '', { ...JANE, payeeResolvedBy: 'id-mapper' })],
      },
      {
        stream: `payment-${paymentIds[1]}`,
        expected: 'no_stream',
        events: [instructed(paymentIds[1] ?? '', { beneficiaryId: 'NID-UNRESOLVED-9' })],
      },
    ]);
    expect(outcomes.map((outcome) => 'appended' in outcome)).toEqual([true, true]);
    const stored = JSON.stringify(
      await Promise.all(paymentIds.map((id) => raw.readStream(`payment-${id}`))),
      (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value),
    );
    for (const text of ['NID-1985', '100200300', 'NID-UNRESOLVED-9']) {
      expect(stored).not.toContain(text);
    }
    const [resolved] = await store.readStream(`payment-${paymentIds[0]}`);
    expect(resolved?.data).toMatchObject({ ...JANE, payeeResolvedBy: 'id-mapper' });
    const [unresolved] = await store.readStream(`payment-${paymentIds[1]}`);
    expect(unresolved?.data).toMatchObject({ beneficiaryId: 'NID-UNRESOLVED-9' });
    expect(unresolved?.data).not.toHaveProperty('payeeFa');

    // Read many at once: each stream's own events, opened, an erased one as erased.
    const [first, second] = await store.readStreams(
      paymentIds.map((id) => ({ stream: `payment-${id}` })),
    );
    expect(first?.events.map((event) => event.data)).toEqual([resolved?.data]);
    expect(second?.events.map((event) => event.data)).toEqual([unresolved?.data]);
    await vault.destroy(
      String((resolved?.data as { beneficiaryKey?: string } | undefined)?.beneficiaryKey),
    );
    const [erased] = await store.readStreams([{ stream: `payment-${paymentIds[0]}` }]);
    expect(erased?.events[0]?.data).toMatchObject({
      beneficiaryId: '[erased]',
      payeeFa: '[erased]',
    });
  });

  it('gives the stream summaries the sealed feed, opening no key, and the same rows', async () => {
    await migrate(db, [readModelMigrations]);
    const counting = countingOpens(vault);
    const opening = protectPersonalData(raw, counting.vault);
    const stores = { events: opening, sealedEvents: raw };
    expect(feedFor(stores, paymentsProjection)).toBe(opening);
    expect(feedFor(stores, streamSummaries)).toBe(raw);

    const rows = async () =>
      (await db.query('SELECT * FROM stream_summaries ORDER BY stream_id')).rows;
    await rebuildProjection(opening, db, streamSummaries);
    const fromOpened = await rows();
    expect(counting.opens()).toBeGreaterThan(0);
    const before = counting.opens();
    await rebuildProjection(feedFor(stores, streamSummaries), db, streamSummaries);
    expect(await rows()).toEqual(fromOpened);
    expect(fromOpened.length).toBeGreaterThan(0);
    expect(counting.opens()).toBe(before);
  });
});
