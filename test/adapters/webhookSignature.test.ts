import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/adapters/webhooks/webhookSignature.js';
import { retryDelayMs, webhookSecretKey } from '../../src/domain/webhookSubscription.js';

// The test vector of Standard Webhooks (/work/shared/specs/standard-webhooks/SUMMARY.md), shared
// by the reference libraries in every language.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';

describe('webhook signatures', () => {
  it('reproduce the specification test vector', () => {
    expect(signWebhook(webhookSecretKey(SECRET), ID, TIMESTAMP, BODY)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('agree with the reference library standardwebhooks', () => {
    const expected = new Webhook(SECRET).sign(ID, new Date(TIMESTAMP * 1_000), BODY);
    expect(signWebhook(webhookSecretKey(SECRET), ID, TIMESTAMP, BODY)).toBe(expected);
  });

  it('verify with the reference library on a fresh timestamp', () => {
    const timestamp = Math.floor(Date.now() / 1_000);
    const signature = signWebhook(webhookSecretKey(SECRET), ID, timestamp, BODY);
    const headers = {
      'webhook-id': ID,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual({ test: 2432232314 });
  });

  it('refuse a secret without the whsec_ prefix or of too few bytes', () => {
    expect(() => webhookSecretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toThrow(/whsec_/);
    expect(() => webhookSecretKey('whsec_c2hvcnQ=')).toThrow(/24 to 64/);
  });
});

describe('the retry schedule', () => {
  it('doubles from the base, capped, and jitters between half and all of the delay', () => {
    const schedule = { baseMs: 5_000, maxMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, schedule, 1))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
    expect(retryDelayMs(3, schedule, 0)).toBe(10_000);
  });
});
