import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resealBeneficiaryKeys } from './adapters/postgres/beneficiaryKeys.js';
import { resealSecrets } from './adapters/postgres/dfspSecrets.js';
import { resealWebhookSecrets } from './adapters/postgres/webhookSubscriptions.js';
import { readMasterKeyFile } from './adapters/secrets/masterKeyFile.js';
import { createSealer, parseMasterKey } from './adapters/secrets/sealing.js';
import { ConfigError, describeMode, loadConfig } from './config.js';
import { masterKeyFor } from './secretsKey.js';
import { openDatabase } from './stores.js';

/**
 * `npm run rotate-secrets-key`: re-seals every secret kept at rest, in one transaction, from the
 * current master key (`SECRETS_KEY`, `SECRETS_KEY_FILE` or, embedded, `DATA_DIR/secrets-key`) to
 * the new one (`NEW_SECRETS_KEY`, or `NEW_SECRETS_KEY_FILE` naming a file that holds it). In
 * embedded mode with the default key file, the file is replaced by the new key once the
 * transaction commits; otherwise start the service with the new key afterwards. Fingerprints
 * already in events stay as they are: they are history. Running it again is harmless.
 */
async function rotate(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const newKey = await newKeyFrom(env);
  const current = await masterKeyFor(config);
  const from = createSealer(current.key);
  const to = createSealer(newKey);
  if (from.keyId === to.keyId) throw new Error('the new key is the current key');
  const replacesDefaultFile = current.source === 'generated file' || current.source === 'file';
  const pending = replacesDefaultFile ? `${current.file}.new` : undefined;
  if (pending !== undefined) {
    // Written before the commit, so a crash in between leaves the new key beside the old one.
    await writeFile(pending, `${newKey.toString('base64')}\n`, { mode: 0o600 });
  }
  const { sql } = await openDatabase(config);
  try {
    process.stdout.write(`rotating the secrets key in ${describeMode(config)}\n`);
    const { secrets, keys, webhooks } = await sql.transaction(async (tx) => ({
      secrets: await resealSecrets(tx, from, to),
      keys: await resealBeneficiaryKeys(tx, from, to),
      webhooks: await resealWebhookSecrets(tx, from, to),
    }));
    process.stdout.write(
      `re-sealed ${secrets.resealed} DFSP secret(s) from key ${from.keyId} to key ${to.keyId}` +
        ` (${secrets.alreadyNew} already under the new key, ` +
        `${secrets.plaintextSealed} plaintext sealed)\n` +
        `re-sealed ${keys.resealed} beneficiary key(s) and the beneficiary reference key\n` +
        `re-sealed ${webhooks} webhook secret(s)\n`,
    );
  } finally {
    await sql.close();
  }
  if (pending !== undefined && current.file !== undefined) {
    await rename(pending, current.file);
    process.stdout.write(`${path.basename(current.file)} now holds the new key: ${current.file}\n`);
  } else {
    const variable = current.source === 'SECRETS_KEY' ? 'SECRETS_KEY' : 'SECRETS_KEY_FILE';
    process.stdout.write(`start the service with ${variable} giving the new key from now on\n`);
  }
}

/** The new key: `NEW_SECRETS_KEY`, or the file `NEW_SECRETS_KEY_FILE`, exactly one of them. */
async function newKeyFrom(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const text = env.NEW_SECRETS_KEY;
  const file = env.NEW_SECRETS_KEY_FILE;
  if ((text === undefined || text === '') === (file === undefined || file === '')) {
    throw new ConfigError([
      'NEW_SECRETS_KEY: give the new key (openssl rand -base64 32), or NEW_SECRETS_KEY_FILE, ' +
        'not both',
    ]);
  }
  return file !== undefined && file !== ''
    ? readMasterKeyFile(file)
    : parseMasterKey(text ?? '', 'NEW_SECRETS_KEY');
}

rotate(process.env).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rotate-secrets-key failed: ${message}\n`);
  process.exit(1);
});
