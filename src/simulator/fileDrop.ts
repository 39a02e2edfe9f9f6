import { access, mkdir, open, readdir, rename } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The directories of the file exchange, all under the root the bank's SFTP server serves. */
export interface FileLayout {
  /** Where the ledger uploads pain.001 files (`<root>/outbox`). */
  outbox: string;
  /** Where taken files are moved (`<root>/outbox/taken`). */
  taken: string;
  /** Where the bank leaves its answers (`<root>/inbox`). */
  inbox: string;
}

/** The layout under `root`. */
export function fileLayout(root: string): FileLayout {
  const outbox = join(root, 'outbox');
  return { outbox, taken: join(outbox, 'taken'), inbox: join(root, 'inbox') };
}

/** The journal's default place: beside the served root, never inside it. */
export function defaultJournalPath(root: string): string {
  const absolute = resolve(root);
  return join(dirname(absolute), 'bank-state', `${basename(absolute)}-journal.jsonl`);
}

/** Creates the layout's directories that are missing. */
export async function ensureLayout(layout: FileLayout): Promise<void> {
  for (const dir of [layout.outbox, layout.taken, layout.inbox]) {
    await mkdir(dir, { recursive: true });
  }
}

/**
 * Whether `name` is a complete upload: it ends in `.xml` and is not a temporary name (one
 * starting with `.`; a `.part` name does not end in `.xml`).
 */
export function isCompleteUpload(name: string): boolean {
  return name.endsWith('.xml') && !name.startsWith('.');
}

/** The complete uploads in `outbox/` (regular files only), by name, at most `max`. */
export async function completeUploads(layout: FileLayout, max: number): Promise<string[]> {
  const entries = await readdir(layout.outbox, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && isCompleteUpload(entry.name))
    .map((entry) => entry.name)
    .sort()
    .slice(0, max);
}

/** An upload's bytes, or its size when over `maxBytes` (then it is not read). */
export async function readUpload(
  layout: FileLayout,
  name: string,
  maxBytes: number,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; size: number }> {
  const handle = await open(join(layout.outbox, name), 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { ok: false, size };
    return { ok: true, bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/**
 * Moves a taken upload to `outbox/taken/`, under its own name unless one of that name is there
 * already (then `<name>.<seq>.xml`). Returns the name it got.
 */
export async function moveToTaken(layout: FileLayout, name: string, seq: number): Promise<string> {
  let target = name;
  if (await exists(join(layout.taken, target))) target = `${name.slice(0, -4)}.${seq}.xml`;
  await rename(join(layout.outbox, name), join(layout.taken, target));
  return target;
}

/**
 * Writes an answer to `inbox/` so that it is never seen half-written: first as `.<name>.part`
 * (synced to disk), then renamed to `name`.
 */
export async function writeAnswer(layout: FileLayout, name: string, text: string): Promise<void> {
  const temporary = join(layout.inbox, `.${name}.part`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(layout.inbox, name));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
