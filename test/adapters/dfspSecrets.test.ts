import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionCatalogue } from '../../src/adapters/dfsp/mapped/catalogue.js';
import {
  createDfspSecrets,
  dfspSecretsMigrations,
  resealSecrets,
  sealPlaintextSecrets,
} from '../../src/adapters/postgres/dfspSecrets.js';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createSealer, type Sealer } from '../../src/adapters/secrets/sealing.js';
import { callbackSecretInForce } from '../../src/application/dfspSecrets.js';
import type { EventStore } from '../../src/application/eventStore.js';
import { createLedgerCommands } from '../../src/application/ledger.js';
import type { DfspRegistration } from '../../src/application/ledgerCommands.js';
import type { PersonalDataVault } from '../../src/application/personalDataVault.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { dfspStream } from '../../src/domain/dfspEvents.js';
import {
  createMigratedPglite,
  createMigratedPostgres,
  databaseUrl,
  NO_POSTGRES,
  protectedEventStore,
} from '../support/databases.js';

const context = { actor: 'user:ada', correlationId: 'test', causationId: null };
const sha256Prefix = (secret: string) =>
  createHash('sha256').update(secret).digest('hex').slice(0, 16);

const registration = (callbackSecret: string, name = 'A bank'): DfspRegistration => ({
  name,
  connector: 'g2p-connect',
  baseUrl: 'http://127.0.0.1:4001',
  payerFa: 'account:100200300@bank',
  currencies: ['KES'],
  faTypes: ['account'],
  callbackSecret,
});

/** The real store with every append failing: the process dies between secret and event. */
function failingAppends(store: EventStore): EventStore {
  return {
    ...store,
    async append() {
      throw new Error('simulated failure of the append');
    },
  };
}

const engines: { name: string; skip?: string; open: () => Promise<Handle> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await createMigratedPglite();
      return { db, close: () => db.close() };
    },
  },
  {
    name: 'Postgres',
    ...(databaseUrl ? {} : { skip: NO_POSTGRES }),
    open: () => createMigratedPostgres(),
  },
];

interface Handle {
  db: SqlDatabase;
  close(): Promise<void>;
}

describe.each(engines)('DFSP secrets sealed at rest on $name', ({ skip, open }) => {
  const LEGACY_SECRET = 'legacy-plaintext-secret-0001';
  let handle: Handle;
  let store: EventStore;
  let sealer: Sealer;
  let vault: PersonalDataVault;
  const policy = { allowInsecure: true, hostAllowlist: ['127.0.0.1'] };

  /** Everything the secrets table holds, as text: where a plaintext would show. */
  async function tableText(): Promise<string> {
    const { rows } = await handle.db.query('SELECT * FROM dfsp_secrets');
    return JSON.stringify(rows);
  }

  const commandsOn = (on: EventStore) =>
    createLedgerCommands({
      connections: createConnectionCatalogue([]),
      store: on,
      secrets: createDfspSecrets(handle.db, sealer),
      personalData: vault,
      unsentPaymentsOf: async () => [],
      dfspUrlPolicy: policy,
    });
  const secretOf = (dfspId: string, under = sealer) =>
    callbackSecretInForce(store, createDfspSecrets(handle.db, under))(dfspId);

  beforeAll(async () => {
    if (skip) return;
    handle = await open();
    ({ store, vault, sealer } = await protectedEventStore(handle.db));
    // A database made before sealing: secrets in plaintext, SHA-256 fingerprints in events.
    const beforeSealing = dfspSecretsMigrations.migrations.filter(({ version }) => version < 3);
    await migrate(handle.db, [{ ...dfspSecretsMigrations, migrations: beforeSealing }]);
    await handle.db.query('INSERT INTO dfsp_secrets (dfsp_id, callback_secret) VALUES ($1, $2)', [
      'legacy-bank',
      LEGACY_SECRET,
    ]);
    await migrate(handle.db, [dfspSecretsMigrations]);
  });
  afterAll(async () => {
    await store?.close();
    await vault?.close();
    await handle?.close();
  });

  it.skipIf(skip)(
    'seals the plaintext rows of an older database at start-up, losing none',
    async () => {
      expect(await sealPlaintextSecrets(handle.db, sealer)).toBe(1);
      expect(await tableText()).not.toContain(LEGACY_SECRET);
      const secrets = createDfspSecrets(handle.db, sealer);
      expect(await secrets.secret('legacy-bank', sha256Prefix(LEGACY_SECRET))).toBe(LEGACY_SECRET);
      expect(await sealPlaintextSecrets(handle.db, sealer)).toBe(0);
    },
  );

  it.skipIf(skip)(
    'keeps no plaintext of a registered secret, and a keyed fingerprint in its event',
    async () => {
      const secret = randomBytes(24).toString('base64url');
      await commandsOn(store).registerDfsp('bank-a', registration(secret), context);
      expect(await tableText()).not.toContain(secret);
      expect(await secretOf('bank-a')).toBe(secret);
      const [registered] = await store.readStream(dfspStream('bank-a'));
      const fingerprint = (registered?.data as { secretFingerprint?: string } | undefined)
        ?.secretFingerprint;
      expect(fingerprint).toBe(sealer.fingerprint(secret));
      expect(fingerprint).not.toBe(sha256Prefix(secret));
    },
  );

  it.skipIf(skip)(
    'leaves the secret in force unchanged when the event of a new one fails to append',
    async () => {
      const commands = commandsOn(store);
      await commands.registerDfsp('bank-b', registration('first-secret-of-bank-b'), context);
      const failing = commandsOn(failingAppends(store));
      await expect(
        failing.registerDfsp('bank-b', registration('second-secret-of-bank-b'), context),
      ).rejects.toThrow(/simulated failure/);
      // The new secret was saved, but no event names it: callbacks still verify with the old one.
      expect(await secretOf('bank-b')).toBe('first-secret-of-bank-b');
      expect(await store.readStream(dfspStream('bank-b'))).toHaveLength(1);
      // The operator's retry records it, and from then on it is the one in force.
      await commands.registerDfsp('bank-b', registration('second-secret-of-bank-b'), context);
      expect(await secretOf('bank-b')).toBe('second-secret-of-bank-b');
    },
  );

  it.skipIf(skip)(
    'puts no secret in force for a registration whose event failed to append',
    async () => {
      const failing = commandsOn(failingAppends(store));
      await expect(
        failing.registerDfsp('bank-c', registration('secret-of-bank-c'), context),
      ).rejects.toThrow(/simulated failure/);
      expect(await secretOf('bank-c')).toBeUndefined();
      await commandsOn(store).registerDfsp('bank-c', registration('secret-of-bank-c'), context);
      expect(await secretOf('bank-c')).toBe('secret-of-bank-c');
    },
  );

  it.skipIf(skip)(
    'puts the last of two concurrent registrations in force, with its event',
    async () => {
      const commands = commandsOn(store);
      await Promise.all([
        commands.registerDfsp('bank-d', registration('secret-one-of-bank-d', 'D one'), context),
        commands.registerDfsp('bank-d', registration('secret-two-of-bank-d', 'D two'), context),
      ]);
      const events = await store.readStream(dfspStream('bank-d'));
      const last = events.at(-1)?.data as { name: string; secretFingerprint: string };
      const expected = last.name === 'D one' ? 'secret-one-of-bank-d' : 'secret-two-of-bank-d';
      expect(last.secretFingerprint).toBe(sealer.fingerprint(expected));
      expect(await secretOf('bank-d')).toBe(expected);
    },
  );

  it.skipIf(skip)('refuses to start with a master key other than the one that sealed', async () => {
    await expect(sealPlaintextSecrets(handle.db, createSealer(randomBytes(32)))).rejects.toThrow(
      /sealed under another master key.*rotate-secrets-key/,
    );
  });

  it.skipIf(skip)('re-seals every value under a new key in one go, and can run again', async () => {
    const next = createSealer(randomBytes(32));
    const before = await tableText();
    const { rows } = await handle.db.query<{ count: string }>(
      'SELECT count(*)::text AS count FROM dfsp_secrets',
    );
    const total = Number(rows[0]?.count);
    expect(await handle.db.transaction((tx) => resealSecrets(tx, sealer, next))).toEqual({
      resealed: total,
      alreadyNew: 0,
      plaintextSealed: 0,
    });
    expect(await tableText()).not.toBe(before);
    expect(await secretOf('bank-a', next)).toBeDefined();
    expect(await secretOf('bank-b', next)).toBe('second-secret-of-bank-b');
    const legacy = createDfspSecrets(handle.db, next);
    expect(await legacy.secret('legacy-bank', sha256Prefix(LEGACY_SECRET))).toBe(LEGACY_SECRET);
    await expect(secretOf('bank-b', sealer)).rejects.toThrow(/another master key/);
    expect(await sealPlaintextSecrets(handle.db, next)).toBe(0);
    expect(await handle.db.transaction((tx) => resealSecrets(tx, sealer, next))).toEqual({
      resealed: 0,
      alreadyNew: total,
      plaintextSealed: 0,
    });
    await expect(
      handle.db.transaction((tx) =>
        resealSecrets(tx, createSealer(randomBytes(32)), createSealer(randomBytes(32))),
      ),
    ).rejects.toThrow(/unknown key/);
  });
});
