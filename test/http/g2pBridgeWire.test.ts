import { describe, expect, it } from 'vitest';
import { createOidcVerifier } from '../../src/adapters/oidc/jwtVerifier.js';
import { parseApiTokens } from '../../src/http/auth.js';
import { batchIdOf } from '../../src/http/g2pBridge/bridgeIds.js';
import { ExactNumber, parseExactJson, stringifyExact } from '../../src/http/g2pBridge/exactJson.js';
import { aProviderKey, signToken, startOidcProvider } from '../support/oidcProvider.js';
import { pgliteEventStore, testApp } from './support.js';

describe('JSON with exact numbers', () => {
  it('reads every number as the text the client wrote, never through a float', () => {
    expect(parseExactJson('{"a": 90071992547409.93, "b": [0.30, -1e3, 2], "c": "7.5"}')).toEqual({
      a: '90071992547409.93',
      b: ['0.30', '-1e3', '2'],
      c: '7.5',
    });
  });

  it('leaves digits inside strings, escaped quotes included, alone', () => {
    expect(parseExactJson('{"s": "a \\"12\\" b", "n": 12}')).toEqual({ s: 'a "12" b', n: '12' });
  });

  it('refuses text that is not JSON as JSON.parse does', () => {
    expect(() => parseExactJson('{"a": 01}')).toThrow(SyntaxError);
    expect(() => parseExactJson('{"a": ')).toThrow(SyntaxError);
  });

  it('writes an exact number as a bare JSON number of its text', () => {
    expect(stringifyExact({ total: new ExactNumber('90071992547409.93'), s: 'x' })).toBe(
      '{"total":90071992547409.93,"s":"x"}',
    );
  });
});

describe('programme principals in API_TOKENS', () => {
  it('carry the programmes they act for', () => {
    const tokens = parseApiTokens('tok-0001=ministry:programme@CT-OVC+CT-EL,tok-0002=ada:admin');
    expect(tokens.get('tok-0001')).toEqual({
      name: 'ministry',
      roles: ['programme'],
      programIds: ['CT-OVC', 'CT-EL'],
    });
    expect(tokens.get('tok-0002')).toEqual({ name: 'ada', roles: ['admin'] });
  });

  it('refuse a programme role without programmes, and programmes on another role', () => {
    expect(() => parseApiTokens('tok-0001=ministry:programme')).toThrow(/names programmes/);
    expect(() => parseApiTokens('tok-0001=ada:admin@CT-OVC')).toThrow(/names programmes/);
    expect(() => parseApiTokens('tok-0001=ministry:programme@CT OVC')).toThrow(/programme ids/);
  });
});

describe('the batch of an envelope', () => {
  it('is the same for the same programme and envelope, and differs between programmes', () => {
    expect(batchIdOf('CT-OVC', '1733222400000')).toBe(batchIdOf('CT-OVC', '1733222400000'));
    expect(batchIdOf('CT-OVC', '1733222400000')).not.toBe(batchIdOf('CT-EL', '1733222400000'));
    expect(batchIdOf('CT-OVC', 'x')).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

describe('a programme principal from the identity provider', () => {
  it('acts for the programmes its programmes claim lists, and no other', async () => {
    const provider = await startOidcProvider();
    try {
      const key = await aProviderKey('rsa-programme', 'RS256');
      provider.published.push(key);
      const jwt = await signToken(key, {
        issuer: provider.issuer,
        username: 'pbms',
        roles: ['programme'],
        claims: { program_ids: ['CT-OVC'] },
      });
      const store = await pgliteEventStore();
      const app = testApp({
        events: store.events,
        accessTokens: createOidcVerifier({
          issuer: provider.issuer,
          audience: 'g2p-ledger',
          jwksUrl: new URL(provider.jwksUrl),
          rolesClaim: 'realm_access.roles',
          principalClaim: 'preferred_username',
          programsClaim: 'program_ids',
        }),
      });
      const create = async (programId: string) => {
        const response = await app.request('/g2p-bridge/create_disbursement_envelope', {
          method: 'POST',
          headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            header: {
              message_id: 'm1',
              message_ts: 'now',
              action: 'x',
              sender_id: 's',
              total_count: 1,
            },
            message: {
              benefit_program_mnemonic: programId,
              disbursement_frequency: 'Monthly',
              cycle_code_mnemonic: '2026-12',
              number_of_beneficiaries: 1,
              number_of_disbursements: 1,
              total_disbursement_amount: 10,
              disbursement_currency_code: 'KES',
              disbursement_schedule_date: '2999-01-01',
            },
          }),
        });
        expect(response.status).toBe(200);
        return ((await response.json()) as { header: Record<string, unknown> }).header;
      };
      expect(await create('CT-OVC')).toMatchObject({ status: 'succ' });
      expect(await create('CT-EL')).toMatchObject({
        status: 'rjct',
        status_reason_message: 'INVALID_PROGRAM_MNEMONIC',
      });
      await store.db.close();
    } finally {
      await provider.close();
    }
  });
});
