import { describe, expect, it } from 'vitest';
import { createCircuitBreakers } from '../../src/adapters/dfsp/circuitBreaker.js';

const settings = { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 };

describe('circuit breakers', () => {
  it('open after the threshold of failures in a row, and only then', () => {
    const breakers = createCircuitBreakers(settings);
    expect(breakers.failed('bank-a', 0)).toBeUndefined();
    expect(breakers.failed('bank-a', 0)).toBeUndefined();
    expect(breakers.state('bank-a', 0)).toBe('closed');
    expect(breakers.failed('bank-a', 10)).toBe('opened');
    expect(breakers.state('bank-a', 10)).toBe('open');
    expect(breakers.state('bank-b', 10)).toBe('closed');
  });

  it('start counting again after a sending the DFSP answered', () => {
    const breakers = createCircuitBreakers(settings);
    breakers.failed('bank-a', 0);
    breakers.failed('bank-a', 0);
    breakers.succeeded('bank-a');
    expect(breakers.failed('bank-a', 0)).toBeUndefined();
    expect(breakers.state('bank-a', 0)).toBe('closed');
  });

  it('allow a probe after the cool-down; an answer closes the circuit', () => {
    const breakers = createCircuitBreakers(settings);
    for (let n = 0; n < 3; n += 1) breakers.failed('bank-a', 0);
    expect(breakers.state('bank-a', 999)).toBe('open');
    expect(breakers.state('bank-a', 1_000)).toBe('probe');
    expect(breakers.probed('bank-a', true, 1_000)).toBe('closed');
    expect(breakers.state('bank-a', 1_000)).toBe('closed');
  });

  it('double the cool-down after each failed probe, up to the maximum', () => {
    const breakers = createCircuitBreakers(settings);
    for (let n = 0; n < 3; n += 1) breakers.failed('bank-a', 0);
    expect(breakers.probed('bank-a', false, 1_000)).toBeUndefined();
    expect(breakers.state('bank-a', 2_999)).toBe('open');
    expect(breakers.state('bank-a', 3_000)).toBe('probe');
    breakers.probed('bank-a', false, 3_000);
    expect(breakers.state('bank-a', 6_999)).toBe('open');
    breakers.probed('bank-a', false, 7_000);
    expect(breakers.state('bank-a', 10_999)).toBe('open');
    expect(breakers.state('bank-a', 11_000)).toBe('probe');
  });

  it('probe at once a DFSP an earlier process recorded unhealthy', () => {
    const breakers = createCircuitBreakers(settings);
    breakers.openForProbe('bank-a');
    expect(breakers.state('bank-a', 0)).toBe('probe');
    expect(breakers.probed('bank-a', false, 0)).toBeUndefined();
    expect(breakers.state('bank-a', 999)).toBe('open');
    expect(breakers.state('bank-a', 1_000)).toBe('probe');
  });
});
