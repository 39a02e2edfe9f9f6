import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';

const ROLE_NAMES = ['admin', 'operator', 'approver', 'auditor', 'reporter'] as const;

/**
 * The API tokens of an embedded install that was given none: one random token per role, made
 * once and kept in `DATA_DIR/api-tokens` (readable by the owner only), in the `API_TOKENS`
 * format, one `token=name:role` a line. Answers that text and whether it was just made.
 *
 * @example
 * const { spec, file } = await ensureApiTokenFile('./data');
 */
export async function ensureApiTokenFile(
  dataDir: string,
): Promise<{ spec: string; file: string; created: boolean }> {
  const file = path.resolve(dataDir, 'api-tokens');
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const lines = ROLE_NAMES.map(
    (role) => `${randomBytes(24).toString('base64url')}=${role}:${role}`,
  );
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${lines.join('\n')}\n`);
    await handle.close();
    return { spec: lines.join(','), file, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(file, 0o600);
  const text = await readFile(file, 'utf8');
  const spec = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .join(',');
  return { spec, file, created: false };
}
