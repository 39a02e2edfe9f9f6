import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MASTER_KEY_BYTES, parseMasterKey } from './sealing.js';

/**
 * The master key of an embedded install that was given none: 32 random bytes made once and kept,
 * base64, in `DATA_DIR/secrets-key` (readable by the owner only). Answers the key, the file and
 * whether it was just made.
 *
 * @example
 * const { key, file } = await ensureMasterKeyFile('./data');
 */
export async function ensureMasterKeyFile(
  dataDir: string,
): Promise<{ key: Buffer; file: string; created: boolean }> {
  const file = path.resolve(dataDir, 'secrets-key');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.close();
    return { key, file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(file, 0o600);
  return { key: await readMasterKeyFile(file), file, created: false };
}

/** The master key kept in `file` (base64 of 32 bytes); the error names the file. */
export async function readMasterKeyFile(file: string): Promise<Buffer> {
  return parseMasterKey(await readFile(file, 'utf8'), file);
}
