import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** The master key's length: AES-256. */
export const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals small secrets (callback secrets, credentials) under the master key, and fingerprints
 * them. Keys for each use are derived from the master key with HKDF under distinct labels, so the
 * fingerprint key cannot decrypt and the sealing key cannot fingerprint.
 */
export interface Sealer {
  /** A short id of the master key, stored with each sealed value so rotation tells old from new. */
  readonly keyId: string;
  /** AES-256-GCM with a random 96-bit nonce; `boundTo` is associated data (the owner's id). */
  seal(plaintext: string, boundTo: string): string;
  /** The plaintext, or an error if the value was altered, sealed under another key or owner. */
  unseal(sealed: string, boundTo: string): string;
  /** 16 hex digits of an HMAC-SHA256 under a derived key: stable, untestable without the key. */
  fingerprint(secret: string): string;
}

/**
 * A sealer for a 32-byte master key.
 *
 * @example
 * const sealer = createSealer(masterKey);
 * const sealed = sealer.seal('s3cret', 'dfsp:bank-a');
 * sealer.unseal(sealed, 'dfsp:bank-a'); // 's3cret'
 */
export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== MASTER_KEY_BYTES) {
    throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes, not ${masterKey.length}`);
  }
  const sealingKey = derive(masterKey, 'g2p-ledger/seal/v1');
  const fingerprintKey = derive(masterKey, 'g2p-ledger/secret-fingerprint/v1');
  const keyId = derive(masterKey, 'g2p-ledger/key-id/v1').subarray(0, 8).toString('hex');
  return {
    keyId,
    seal: (plaintext, boundTo) => sealWith(sealingKey, plaintext, boundTo),
    unseal: (sealed, boundTo) => unsealWith(sealingKey, sealed, boundTo),
    fingerprint(secret) {
      return createHmac('sha256', fingerprintKey).update(secret, 'utf8').digest('hex').slice(0, 16);
    },
  };
}

/**
 * AES-256-GCM under `key` with a random 96-bit nonce and `boundTo` as associated data: the base64
 * of nonce, ciphertext and tag.
 */
export function sealWith(key: Buffer, plaintext: string, boundTo: string): string {
  const nonce = pooledRandomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** The plaintext of {@link sealWith}'s output; throws if it was altered or bound elsewhere. */
export function unsealWith(key: Buffer, sealed: string, boundTo: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error('a sealed value is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(boundTo, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

/** Random bytes drawn from the system's CSPRNG a pool at a time. */
const RANDOM_POOL_BYTES = 64 * 1024;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * `size` bytes from the CSPRNG, a copy of a slice of a pool refilled when spent: sealing a batch
 * of 1,000 payments takes thousands of nonces and keys, and one system call each (as
 * `randomBytes` makes) cost more than the encryption itself.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > RANDOM_POOL_BYTES) return randomBytes(size);
  if (randomOffset + size > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const bytes = Buffer.from(randomPool.subarray(randomOffset, randomOffset + size));
  randomPool.fill(0, randomOffset, randomOffset + size);
  randomOffset += size;
  return bytes;
}

function derive(masterKey: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, 32));
}

/**
 * A master key from its text form (base64 of 32 bytes, surrounding blanks ignored); the error
 * names `source` (the variable or file it came from).
 */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== MASTER_KEY_BYTES) {
    throw new Error(`${source}: must be the base64 of ${MASTER_KEY_BYTES} random bytes`);
  }
  return key;
}
