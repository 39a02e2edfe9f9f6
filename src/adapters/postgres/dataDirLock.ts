import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Claims a data directory for this process. PGlite is one in-process database: two processes
 * opening the same files would corrupt them, so the second is refused with the first one's pid.
 * A lock left by a process that no longer runs is taken over. Resolves to the release function.
 */
export async function lockDataDir(directory: string): Promise<() => Promise<void>> {
  const lockFile = path.join(directory, 'g2p-ledger.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `${directory} is in use by process ${holder}; stop it or choose another DATA_DIR`,
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${directory}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
