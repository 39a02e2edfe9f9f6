import { createHash } from 'node:crypto';
import SftpClient from 'ssh2-sftp-client';

/** Where and as whom the ledger reaches a bank's SFTP server. */
export interface SftpTarget {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The pinned host key, `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  readonly hostKey: string;
  readonly auth:
    | { readonly password: string }
    | { readonly privateKey: string; readonly passphrase?: string };
  /** Time limit of the whole session (connecting and every operation), in milliseconds. */
  readonly timeoutMs: number;
}

/** A file in a remote folder. */
export interface RemoteFile {
  readonly name: string;
  readonly size: number;
  readonly modifiedAtMs: number;
}

/** The few operations the file connector needs, on one connected session. */
export interface SftpSession {
  /** The plain files of a folder (no folders, no links), oldest first, then by name. */
  list(folder: string): Promise<RemoteFile[]>;
  /** A file's bytes; refused beyond `maxBytes` before it is read. */
  read(path: string, maxBytes: number): Promise<Buffer>;
  /** Writes a file whole (creating or truncating it). */
  write(path: string, bytes: Buffer): Promise<void>;
  /** Renames atomically; fails if `from` is gone. Replaces `to` where the server allows. */
  rename(from: string, to: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Removes a file; no error if it is already gone. */
  remove(path: string): Promise<void>;
  /** Creates a folder and its parents where missing. */
  ensureFolder(path: string): Promise<void>;
}

/**
 * The session could not be had or broke: `connecting` means nothing was done on the server
 * (refused, timed out, host key or credentials refused); `working` means it broke after
 * connecting, part-way through what the caller was doing.
 */
export class SftpUnavailable extends Error {
  override readonly name = 'SftpUnavailable';

  constructor(
    readonly stage: 'connecting' | 'working',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The SHA-256 fingerprint of an SSH public key blob, as `ssh-keygen -l` prints it.
 *
 * @example
 * hostKeyFingerprint(key); // 'SHA256:ANjwGni8jap5VS+iEpT+pFvkj4c9hg8vzhOCRREv+tI'
 */
export function hostKeyFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Runs `work` on one SFTP session to `target`, then closes it. The server must show the pinned
 * host key (else nothing is sent, not even the credentials); the whole session is bounded by
 * `timeoutMs`, after which the connection is closed under whatever was running. Failures are
 * `SftpUnavailable`, saying whether anything may have been done on the server.
 *
 * @example
 * const names = await withSftp(target, (session) => session.list('/inbox'));
 */
export async function withSftp<T>(
  target: SftpTarget,
  work: (session: SftpSession) => Promise<T>,
): Promise<T> {
  const client = new SftpClient();
  let hostKeySeen: string | undefined;
  let timedOut = false;
  // Rejects at the deadline, so a call the library never answers once the connection is
  // closed under it cannot hang the caller.
  let expire: (reason: Error) => void = () => {};
  const deadline = new Promise<never>((_, reject) => {
    expire = reject;
  });
  deadline.catch(() => undefined);
  const timer = setTimeout(() => {
    timedOut = true;
    expire(new Error(`not done within ${target.timeoutMs} ms`));
    void client.end().catch(() => undefined);
  }, target.timeoutMs);
  try {
    try {
      const connecting = client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        ...target.auth,
        readyTimeout: target.timeoutMs,
        hostVerifier: (key: Buffer) => {
          hostKeySeen = hostKeyFingerprint(key);
          return hostKeySeen === target.hostKey;
        },
      });
      await Promise.race([connecting, deadline]);
    } catch (error) {
      const why =
        hostKeySeen !== undefined && hostKeySeen !== target.hostKey
          ? `the server's host key ${hostKeySeen} is not the pinned ${target.hostKey}`
          : timedOut
            ? `no session within ${target.timeoutMs} ms`
            : messageOf(error);
      throw new SftpUnavailable('connecting', why);
    }
    try {
      return await Promise.race([work(sessionOf(client)), deadline]);
    } catch (error) {
      if (error instanceof RemoteFileTooLarge) throw error;
      throw new SftpUnavailable(
        'working',
        timedOut ? `not done within ${target.timeoutMs} ms` : messageOf(error),
      );
    }
  } finally {
    clearTimeout(timer);
    await client.end().catch(() => undefined);
  }
}

/** A remote file larger than the reader takes: refused before it is read. */
export class RemoteFileTooLarge extends Error {
  override readonly name = 'RemoteFileTooLarge';
}

function sessionOf(client: SftpClient): SftpSession {
  return {
    async list(folder) {
      const entries = await client.list(folder);
      return entries
        .filter((entry) => entry.type === '-')
        .map((entry) => ({ name: entry.name, size: entry.size, modifiedAtMs: entry.modifyTime }))
        .sort((a, b) => a.modifiedAtMs - b.modifiedAtMs || a.name.localeCompare(b.name));
    },
    async read(path, maxBytes) {
      const stat = await client.stat(path);
      if (stat.size > maxBytes) {
        throw new RemoteFileTooLarge(`${path} has ${stat.size} bytes, more than ${maxBytes}`);
      }
      const bytes = await client.get(path);
      if (!Buffer.isBuffer(bytes)) throw new Error(`${path} did not come back as bytes`);
      return bytes;
    },
    async write(path, bytes) {
      await client.put(bytes, path);
    },
    async rename(from, to) {
      // OpenSSH's posix-rename replaces atomically; servers without it get a plain rename.
      await client.posixRename(from, to).catch((error: unknown) => {
        if (!/not supported|unsupported/i.test(messageOf(error))) throw error;
        return client.rename(from, to);
      });
    },
    async exists(path) {
      return (await client.exists(path)) !== false;
    },
    async remove(path) {
      await client.delete(path, true);
    },
    async ensureFolder(path) {
      if ((await client.exists(path)) === 'd') return;
      await client.mkdir(path, true);
    },
  };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 300);
}
