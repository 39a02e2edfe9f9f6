import { ensureMasterKeyFile, readMasterKeyFile } from './adapters/secrets/masterKeyFile.js';
import { parseMasterKey } from './adapters/secrets/sealing.js';
import { type Config, ConfigError } from './config.js';

/** The master key and where it came from, for the start-up log (never the key itself). */
export interface MasterKey {
  readonly key: Buffer;
  readonly source: 'SECRETS_KEY' | 'SECRETS_KEY_FILE' | 'generated file' | 'file';
  readonly file?: string;
}

/**
 * The master key a configuration selects: `SECRETS_KEY`, else the file `SECRETS_KEY_FILE`, else
 * (embedded mode only: no `DATABASE_URL`, no `EVENTSTORE_URL`) `DATA_DIR/secrets-key`, made at
 * first start with mode 0600. A shared database with no key given is a {@link ConfigError}: a key
 * made on one host would not open what another host sealed.
 *
 * @example
 * const { key } = await masterKeyFor(loadConfig());
 */
export async function masterKeyFor(config: Config): Promise<MasterKey> {
  if (config.SECRETS_KEY !== undefined) {
    return { key: parseMasterKey(config.SECRETS_KEY, 'SECRETS_KEY'), source: 'SECRETS_KEY' };
  }
  if (config.SECRETS_KEY_FILE !== undefined) {
    const file = config.SECRETS_KEY_FILE;
    try {
      return { key: await readMasterKeyFile(file), source: 'SECRETS_KEY_FILE', file };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError([`SECRETS_KEY_FILE: ${reason}`]);
    }
  }
  if (config.DATABASE_URL !== undefined || config.EVENTSTORE_URL !== undefined) {
    throw new ConfigError([
      'SECRETS_KEY: required with DATABASE_URL or EVENTSTORE_URL (the base64 of 32 random ' +
        'bytes: openssl rand -base64 32), or SECRETS_KEY_FILE naming a file that holds it',
    ]);
  }
  const { key, file, created } = await ensureMasterKeyFile(config.DATA_DIR);
  return { key, source: created ? 'generated file' : 'file', file };
}
