import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beneficiaryKeysMigrations } from '../src/adapters/postgres/beneficiaryKeys.js';
import { dfspSecretsMigrations } from '../src/adapters/postgres/dfspSecrets.js';
import { eventStoreMigrations } from '../src/adapters/postgres/eventStoreSchema.js';
import { fileExchangeMigrations } from '../src/adapters/postgres/fileExchangeJournal.js';
import { migrate } from '../src/adapters/postgres/migrations.js';
import { createPgliteDatabase } from '../src/adapters/postgres/pgliteDatabase.js';
import { createPostgresEventStore } from '../src/adapters/postgres/postgresEventStore.js';
import { webhookMigrations } from '../src/adapters/postgres/webhookSubscriptions.js';
import { readCheckpoint } from '../src/projections/projectionRunner.js';
import { readModelMigrations } from '../src/projections/readModelSchema.js';
import { anEvent } from './support/events.js';

// The service as `npm start` runs it, on the embedded default, in its own process.
describe('the service on the embedded default', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'g2p-ledger-'));
    const db = await createPgliteDatabase(path.join(dataDir, 'pglite'));
    await migrate(db, [
      eventStoreMigrations,
      readModelMigrations,
      dfspSecretsMigrations,
      beneficiaryKeysMigrations,
      fileExchangeMigrations,
      webhookMigrations,
    ]);
    const store = createPostgresEventStore(db);
    for (const stream of ['batch-1', 'payment-1', 'payment-2']) {
      await store.append(
        stream,
        'no_stream',
        Array.from({ length: 10 }, () => anEvent()),
      );
    }
    await db.close();
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const env = () => {
    const { DATABASE_URL: _db, EVENTSTORE_URL: _es, ...rest } = process.env;
    return { ...rest, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug' };
  };

  it('serves health and readiness, projects the log, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout });
    let address: string | undefined;
    let projected = false;
    let migrations: unknown;
    for await (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'stores open') migrations = entry.migrationsApplied;
      if (entry.msg === 'listening') address = String(entry.address);
      if (entry.msg === 'batch projected' && entry.position === '30') projected = true;
      if (address && projected) break;
    }
    expect(migrations).toEqual([]);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`${address}/v1/anything`)).status).toBe(404);

    const second = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`is in use by process ${child.pid}`);

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);

    const db = await createPgliteDatabase(path.join(dataDir, 'pglite'));
    try {
      expect(await readCheckpoint(db, { name: 'stream-summaries' })).toBe(30n);
      const { rows } = await db.query<{ stream_id: string; last_revision: string }>(
        'SELECT stream_id, last_revision::text FROM stream_summaries ORDER BY stream_id',
      );
      expect(rows).toEqual([
        { stream_id: 'batch-1', last_revision: '9' },
        { stream_id: 'payment-1', last_revision: '9' },
        { stream_id: 'payment-2', last_revision: '9' },
      ]);
    } finally {
      await db.close();
    }
  });

  it('rebuilds the read models from the log', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/rebuild.ts'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/stream-summaries: 30 events replayed/);
  });

  it('refuses an unknown projection by name', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/rebuild.ts', 'nope'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/unknown projection nope; known: stream-summaries/);
  });

  it('stops at start-up on a bad variable, naming it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...env(), PORT: 'eighty' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/invalid configuration:\n\s+PORT:/);
  });
});
