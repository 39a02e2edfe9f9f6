import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCallback } from '../../src/adapters/dfsp/callbackSignature.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import { onDisburse } from './disbursement.js';
import {
  call,
  expectCall,
  startTestService,
  TEST_SECRETS_KEY,
  type TestService,
} from './support.js';

/**
 * DFSP callback secrets sealed at rest, through the HTTP API and `npm run rotate-secrets-key`:
 * the table never holds a secret in the clear, signed callbacks verify before and after a
 * rotation. Runs on Postgres when DATABASE_URL is set, on embedded PGlite otherwise.
 */

const SECRET = `callback-secret-${randomBytes(12).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('DFSP secrets sealed at rest', () => {
  let dataDir: string;
  let scratch: ScratchPostgres | undefined;
  let service: TestService | undefined;
  let key = TEST_SECRETS_KEY;

  const settings = () =>
    scratch === undefined
      ? { DATA_DIR: dataDir, DISPATCH_PAUSED: 'true' }
      : { DATABASE_URL: scratch.url, SECRETS_KEY: key, DISPATCH_PAUSED: 'true' };

  async function signedCallback(secret: string): Promise<number> {
    if (service === undefined) throw new Error('no service');
    // A report about a payment the ledger never made: it gets past the signature check only.
    const body = onDisburse([{ reference_id: ulid(), status: 'succ' }], 'bank-s');
    const signature = signCallback(secret, body, nowSeconds());
    const answer = await call(service, undefined, 'POST', '/v1/dfsps/bank-s/on-disburse', body, {
      'x-signature': signature,
    });
    return answer.status;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'g2p-secrets-'));
    if (databaseUrl) scratch = await createScratchPostgres();
    service = await startTestService(settings());
  });
  afterAll(async () => {
    await service?.stop();
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps no plaintext of a secret set by PUT /v1/dfsps/{id}', async () => {
    if (service === undefined) throw new Error('no service');
    await expectCall(service, 'admin', 'PUT', '/v1/dfsps/bank-s', 201, {
      name: 'Bank S',
      connector: 'g2p-connect',
      baseUrl: 'http://127.0.0.1:9',
      payerFa: 'account:100200300@bank-s',
      currencies: ['KES'],
      faTypes: ['account'],
      callbackSecret: SECRET,
    });
    const { rows } = await service.stores.sql.query('SELECT * FROM dfsp_secrets');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    expect(JSON.stringify(rows)).not.toContain(Buffer.from(SECRET).toString('base64'));
  });

  it('makes the embedded master key once, readable by its owner only', async () => {
    if (scratch !== undefined) return; // Postgres: the key is SECRETS_KEY, no file
    const file = path.join(dataDir, 'secrets-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')).toHaveLength(32);
  });

  it('verifies signed callbacks with the sealed secret', async () => {
    expect(await signedCallback(SECRET)).toBe(200);
    expect(await signedCallback('not-the-secret-of-bank-s')).toBe(401);
  });

  it('re-seals under a new key with npm run rotate-secrets-key; callbacks still verify', async () => {
    await service?.stop();
    service = undefined;
    const newKey = randomBytes(32).toString('base64');
    const { DATABASE_URL: _db, EVENTSTORE_URL: _es, SECRETS_KEY_FILE: _f, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/rotateSecretsKey.ts'], {
      env: { ...env, ...settings(), NEW_SECRETS_KEY: newKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(0);
    expect(output).toMatch(
      /re-sealed 1 DFSP secret\(s\) from key [0-9a-f]{16} to key [0-9a-f]{16}/,
    );
    if (scratch === undefined) {
      const file = path.join(dataDir, 'secrets-key');
      expect((await readFile(file, 'utf8')).trim()).toBe(newKey);
    } else {
      // The old key no longer opens the secrets: the service refuses to start with it.
      await expect(startTestService(settings())).rejects.toThrow(/rotate-secrets-key/);
      key = newKey;
    }
    service = await startTestService(settings());
    expect(await signedCallback(SECRET)).toBe(200);
    expect(await signedCallback('not-the-secret-of-bank-s')).toBe(401);
  });
});
