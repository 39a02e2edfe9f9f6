import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/adapters/postgres/migrations.js';
import { createPgliteDatabase } from '../../src/adapters/postgres/pgliteDatabase.js';
import { createPostgresDatabase } from '../../src/adapters/postgres/postgresDatabase.js';
import type { MigrationSet } from '../../src/application/sqlDatabase.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';

const notes: MigrationSet = {
  component: 'notes',
  migrations: [
    {
      version: 1,
      name: 'notes',
      sql: 'CREATE TABLE notes (id int PRIMARY KEY); CREATE INDEX ON notes (id);',
    },
    { version: 2, name: 'note text', sql: 'ALTER TABLE notes ADD COLUMN body text' },
  ],
};

describe('migrations', () => {
  it('applies each migration once, however often they run', async () => {
    const db = await createPgliteDatabase();
    try {
      expect(await migrate(db, [notes])).toEqual(['notes@1', 'notes@2']);
      expect(await migrate(db, [notes])).toEqual([]);
      await db.query(`INSERT INTO notes (id, body) VALUES (1, 'kept')`);
    } finally {
      await db.close();
    }
  });

  it('stops when a released migration was edited', async () => {
    const db = await createPgliteDatabase();
    try {
      await migrate(db, [notes]);
      const edited: MigrationSet = {
        ...notes,
        migrations: [
          notes.migrations[0],
          { version: 2, name: 'note text', sql: 'SELECT 1' },
        ].filter((migration) => migration !== undefined),
      };
      await expect(migrate(db, [edited])).rejects.toThrow(/notes@2 .* differs/);
    } finally {
      await db.close();
    }
  });

  it('refuses a gap in the numbering', async () => {
    const db = await createPgliteDatabase();
    try {
      const gap: MigrationSet = {
        component: 'gap',
        migrations: [{ version: 2, name: 'x', sql: '' }],
      };
      await expect(migrate(db, [gap])).rejects.toThrow(/numbered 1, 2, 3/);
    } finally {
      await db.close();
    }
  });

  describe.skipIf(!databaseUrl)('on Postgres', () => {
    let scratch: ScratchPostgres;
    afterAll(async () => scratch?.drop());

    it('is safe from several processes at once', async () => {
      scratch = await createScratchPostgres();
      const pools = Array.from({ length: 4 }, () => createPostgresDatabase(scratch.url));
      try {
        const applied = await Promise.all(pools.map((db) => migrate(db, [notes])));
        expect(applied.flat().sort()).toEqual(['notes@1', 'notes@2']);
        const [first] = pools;
        if (!first) throw new Error('no pool');
        const { rows } = await first.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM schema_migrations WHERE component = 'notes'`,
        );
        expect(rows[0]?.n).toBe('2');
      } finally {
        await Promise.all(pools.map((db) => db.close()));
      }
    });
  });
});
