import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signCallback } from '../../src/adapters/dfsp/callbackSignature.js';
import {
  callbackPathToken,
  verifyMappedCallback,
} from '../../src/adapters/dfsp/callbackVerification.js';
import type { ReceivedCallback } from '../../src/application/dfspCallbackIntake.js';

const BODY = '{"type":"payout.completed","data":{"client_ref":"01J"}}';
const SECRET = 'a-webhook-secret-0123456789';
const NOW = 1_700_000_000;

function received(overrides: Partial<ReceivedCallback> = {}): ReceivedCallback {
  return {
    headers: {},
    rawBody: new TextEncoder().encode(BODY),
    query: {},
    pathToken: undefined,
    sourceAddress: '127.0.0.1',
    nowSeconds: NOW,
    ...overrides,
  };
}

describe('callback verification by the DFSP registration', () => {
  describe('an HMAC of the body in a named header (X-Hub-Signature-256)', () => {
    const hub = {
      kind: 'hmac-header',
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
      encoding: 'hex',
    } as const;
    const signature = createHmac('sha256', SECRET).update(BODY).digest('hex');

    it('accepts the signature of the exact bytes', () => {
      const headers = { 'x-hub-signature-256': `sha256=${signature}` };
      expect(verifyMappedCallback(hub, SECRET, 'acme', received({ headers }))).toEqual({
        ok: true,
        replayKey: undefined,
      });
    });

    it.each([
      [{}, 'missing'],
      [{ 'x-hub-signature-256': signature }, 'malformed'],
      [{ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, 'mismatch'],
      [{ 'x-hub-signature-256': `sha256=${'a'.repeat(2_000)}` }, 'malformed'],
    ])('refuses %j as %s', (headers, reason) => {
      expect(verifyMappedCallback(hub, SECRET, 'acme', received({ headers }))).toEqual({
        ok: false,
        reason,
      });
    });

    it('refuses a body changed by one byte', () => {
      const headers = { 'x-hub-signature-256': `sha256=${signature}` };
      const rawBody = new TextEncoder().encode(BODY.replace('completed', 'declined!'));
      expect(verifyMappedCallback(hub, SECRET, 'acme', received({ headers, rawBody }))).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('reads a base64 encoding when the registration says so', () => {
      const base64 = createHmac('sha256', SECRET).update(BODY).digest('base64');
      const headers = { 'x-signature-b64': base64 };
      const verification = {
        ...hub,
        header: 'X-Signature-B64',
        prefix: '',
        encoding: 'base64',
      } as const;
      expect(verifyMappedCallback(verification, SECRET, 'acme', received({ headers })).ok).toBe(
        true,
      );
    });
  });

  describe('Standard Webhooks', () => {
    const webhooks = { kind: 'standard-webhooks' } as const;
    // The specification's own test vector (../shared/specs/standard-webhooks/SUMMARY.md).
    const vector = {
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1_614_265_330,
      body: '{"test": 2432232314}',
      signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const callback = (signature: string, nowSeconds = vector.timestamp) =>
      received({
        headers: {
          'webhook-id': vector.id,
          'webhook-timestamp': String(vector.timestamp),
          'webhook-signature': signature,
        },
        rawBody: new TextEncoder().encode(vector.body),
        nowSeconds,
      });

    it("accepts the specification's test vector, with the id as the replay key", () => {
      const verdict = verifyMappedCallback(
        webhooks,
        vector.secret,
        'bank-x',
        callback(vector.signature),
      );
      expect(verdict.ok).toBe(true);
      expect(verdict.ok && verdict.replayKey).toMatch(/^[0-9a-f]{64}$/);
    });

    it('accepts one good signature among several (a secret being rotated)', () => {
      const signatures = `v1,${'A'.repeat(44)} ${vector.signature} v1a,ignored`;
      expect(verifyMappedCallback(webhooks, vector.secret, 'bank-x', callback(signatures)).ok).toBe(
        true,
      );
    });

    it('refuses a stale timestamp and a wrong signature', () => {
      expect(
        verifyMappedCallback(
          webhooks,
          vector.secret,
          'bank-x',
          callback(vector.signature, vector.timestamp + 301),
        ),
      ).toEqual({ ok: false, reason: 'stale' });
      expect(
        verifyMappedCallback(
          webhooks,
          'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          'bank-x',
          callback(vector.signature),
        ),
      ).toEqual({ ok: false, reason: 'mismatch' });
    });
  });

  describe('our X-Signature', () => {
    it('accepts a signature made with the secret, keyed for replay refusal', () => {
      const headers = { 'x-signature': signCallback(SECRET, BODY, NOW) };
      const verdict = verifyMappedCallback(
        { kind: 'x-signature' },
        SECRET,
        'acme',
        received({ headers }),
      );
      expect(verdict.ok).toBe(true);
      expect(verdict.ok && verdict.replayKey).toBeTruthy();
    });
  });

  describe('the path token, for DFSPs that sign nothing', () => {
    const token = callbackPathToken(SECRET, 'mobile-money');

    it('is unguessable without the secret and differs per DFSP and per secret', () => {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(callbackPathToken(SECRET, 'other-dfsp')).not.toBe(token);
      expect(callbackPathToken(`${SECRET}x`, 'mobile-money')).not.toBe(token);
    });

    it('accepts only the token of this DFSP', () => {
      const verification = { kind: 'path-token' } as const;
      const check = (pathToken: string | undefined) =>
        verifyMappedCallback(verification, SECRET, 'mobile-money', received({ pathToken }));
      expect(check(token)).toEqual({ ok: true, replayKey: undefined });
      expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
      expect(check(callbackPathToken(SECRET, 'other-dfsp'))).toEqual({
        ok: false,
        reason: 'mismatch',
      });
    });

    it('also holds to the source-address allowlist where one is set', () => {
      const verification = { kind: 'path-token' as const, allowFrom: ['196.201.214.200'] };
      expect(
        verifyMappedCallback(verification, SECRET, 'mobile-money', received({ pathToken: token })),
      ).toEqual({ ok: false, reason: 'source_not_allowed' });
      const fromSafaricom = received({ pathToken: token, sourceAddress: '::ffff:196.201.214.200' });
      expect(verifyMappedCallback(verification, SECRET, 'mobile-money', fromSafaricom).ok).toBe(
        true,
      );
    });
  });
});
