import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { masterKeyFor } from '../src/secretsKey.js';

describe('the master key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'g2p-secrets-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is SECRETS_KEY when set', async () => {
    const key = randomBytes(32);
    const config = loadConfig({ SECRETS_KEY: key.toString('base64') });
    expect(await masterKeyFor(config)).toEqual({ key, source: 'SECRETS_KEY' });
  });

  it.each([
    ['not base64', 'not base64!'],
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('base64')],
  ])('stops start-up naming SECRETS_KEY when it is %s', (_, value) => {
    expect(() => loadConfig({ SECRETS_KEY: value })).toThrow(/SECRETS_KEY: must be/);
  });

  it('refuses SECRETS_KEY and SECRETS_KEY_FILE together', () => {
    const both = { SECRETS_KEY: randomBytes(32).toString('base64'), SECRETS_KEY_FILE: '/k' };
    expect(() => loadConfig(both)).toThrow(/SECRETS_KEY_FILE: SECRETS_KEY and SECRETS_KEY_FILE/);
  });

  it('is read from SECRETS_KEY_FILE, whose bad content stops start-up naming it', async () => {
    const key = randomBytes(32);
    const good = path.join(dir, 'good-key');
    await writeFile(good, `${key.toString('base64')}\n`);
    const config = loadConfig({ SECRETS_KEY_FILE: good, DATABASE_URL: 'postgres://db/ledger' });
    expect((await masterKeyFor(config)).key).toEqual(key);
    const bad = path.join(dir, 'bad-key');
    await writeFile(bad, 'short\n');
    const error = await masterKeyFor(loadConfig({ SECRETS_KEY_FILE: bad })).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error.message)).toMatch(/SECRETS_KEY_FILE: /);
  });

  it.each([
    ['DATABASE_URL', 'postgres://ledger@db:5432/ledger'],
    ['EVENTSTORE_URL', 'esdb://eventstore:2113?tls=false'],
  ])('must be given with %s: refuses to start naming SECRETS_KEY', async (name, url) => {
    const error = await masterKeyFor(loadConfig({ [name]: url, DATA_DIR: dir })).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error.message)).toMatch(/SECRETS_KEY: required/);
  });

  it('is made once in DATA_DIR/secrets-key, mode 0600, in embedded mode', async () => {
    const config = loadConfig({ DATA_DIR: path.join(dir, 'data') });
    const first = await masterKeyFor(config);
    expect(first.source).toBe('generated file');
    expect(first.key).toHaveLength(32);
    const file = path.join(dir, 'data', 'secrets-key');
    expect(first.file).toBe(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await masterKeyFor(config);
    expect(again).toEqual({ key: first.key, source: 'file', file });
  });
});
