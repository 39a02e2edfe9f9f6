import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { signCallback, verifyCallback } from '../../src/adapters/dfsp/callbackSignature.js';

const secret = 'callback-secret-of-bank-a';
const body = '{"message":{"disbursements_status":[{"reference_id":"p1","status":"succ"}]}}';
const now = 1_714_557_600;

describe('callback signatures', () => {
  test('a signed body verifies', () => {
    const header = signCallback(secret, body, now);

    expect(header).toMatch(/^t=1714557600,v1=[0-9a-f]{64}$/);
    expect(verifyCallback(header, secret, body, now)).toEqual({ ok: true });
    expect(verifyCallback(header, secret, Buffer.from(body), now + 300)).toEqual({ ok: true });
  });

  test('the signature is HMAC-SHA256 of "t.body" as DESIGN defines it', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');

    expect(signCallback(secret, body, now)).toBe(`t=${now},v1=${expected}`);
  });

  test('any of several v1 entries may match (secret rotation)', () => {
    const current = signCallback(secret, body, now).split(',')[1];
    const old = signCallback('previous-secret', body, now).split(',')[1];

    expect(verifyCallback(`t=${now},${old},${current}`, secret, body, now)).toEqual({ ok: true });
  });

  test.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['sha256=abc', 'malformed'],
    [`t=${now}`, 'malformed'],
    [`v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${now},v1=xyz`, 'malformed'],
    [`t=-5,v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${now},t=${now},v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${now},v1=${'a'.repeat(64)},${'x'.repeat(2000)}`, 'malformed'],
  ])('refuses %j as %s', (header, reason) => {
    expect(verifyCallback(header, secret, body, now)).toEqual({ ok: false, reason });
  });

  test('refuses a signature made with another secret', () => {
    const header = signCallback('someone-else', body, now);

    expect(verifyCallback(header, secret, body, now)).toEqual({ ok: false, reason: 'mismatch' });
  });

  test('refuses a tampered body', () => {
    const header = signCallback(secret, body, now);

    expect(verifyCallback(header, secret, body.replace('succ', 'rjct'), now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  test('refuses a signature 301 seconds old', () => {
    const header = signCallback(secret, body, now - 301);

    expect(verifyCallback(header, secret, body, now)).toEqual({ ok: false, reason: 'stale' });
  });

  test('refuses a signature dated more than the tolerance in the future', () => {
    const header = signCallback(secret, body, now + 301);

    expect(verifyCallback(header, secret, body, now)).toEqual({ ok: false, reason: 'stale' });
  });
});
