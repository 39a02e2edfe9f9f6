import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer, parseMasterKey } from '../../src/adapters/secrets/sealing.js';

const sealer = createSealer(randomBytes(32));

describe('sealing secrets under the master key', () => {
  it('gives back what it sealed, for the owner it was sealed for', () => {
    const sealed = sealer.seal('a-long-enough-secret', 'dfsp-callback-secret:bank-a');
    expect(sealed).not.toContain('a-long-enough-secret');
    expect(sealer.unseal(sealed, 'dfsp-callback-secret:bank-a')).toBe('a-long-enough-secret');
  });

  it('draws a new nonce for every value: the same secret never seals the same twice', () => {
    const twice = [sealer.seal('same', 'x'), sealer.seal('same', 'x')];
    expect(twice[0]).not.toBe(twice[1]);
  });

  it('refuses a sealed value with one byte flipped', () => {
    const bytes = Buffer.from(sealer.seal('a-long-enough-secret', 'owner'), 'base64');
    for (const at of [0, 12, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      expect(() => sealer.unseal(tampered.toString('base64'), 'owner')).toThrow();
    }
  });

  it('refuses a value moved to another DFSP (other associated data)', () => {
    const sealed = sealer.seal('a-long-enough-secret', 'dfsp-callback-secret:bank-a');
    expect(() => sealer.unseal(sealed, 'dfsp-callback-secret:bank-b')).toThrow();
  });

  it('refuses a value sealed under another master key', () => {
    const sealed = createSealer(randomBytes(32)).seal('a-long-enough-secret', 'owner');
    expect(() => sealer.unseal(sealed, 'owner')).toThrow();
  });

  it('fingerprints with a keyed HMAC: stable, 16 hex digits, not the plain SHA-256 prefix', () => {
    const secret = 'a-long-enough-secret';
    const fingerprint = sealer.fingerprint(secret);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(sealer.fingerprint(secret)).toBe(fingerprint);
    expect(sealer.fingerprint('another-secret-entirely')).not.toBe(fingerprint);
    const sha256 = createHash('sha256').update(secret).digest('hex').slice(0, 16);
    expect(fingerprint).not.toBe(sha256);
    expect(createSealer(randomBytes(32)).fingerprint(secret)).not.toBe(fingerprint);
  });

  it('tells keys apart by a key id that reveals nothing of the key', () => {
    const key = randomBytes(32);
    expect(createSealer(key).keyId).toBe(createSealer(Buffer.from(key)).keyId);
    expect(createSealer(key).keyId).not.toBe(sealer.keyId);
    expect(key.toString('hex')).not.toContain(createSealer(key).keyId);
  });

  it('reads a master key only as the base64 of 32 bytes, naming where it came from', () => {
    const key = randomBytes(32);
    expect(parseMasterKey(` ${key.toString('base64')}\n`, 'SECRETS_KEY')).toEqual(key);
    expect(() => parseMasterKey(randomBytes(16).toString('base64'), 'SECRETS_KEY')).toThrow(
      /^SECRETS_KEY: /,
    );
    expect(() => parseMasterKey('not base64 at all!', '/etc/key')).toThrow(/^\/etc\/key: /);
  });
});
