import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import { WrongExpectedRevisionError } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { DomainError } from '../../src/domain/domainError.js';
import { formatPath, statusForDomainCode } from '../../src/http/problems.js';
import {
  as,
  capturingLogger,
  pgliteEventStore,
  recordingCommands,
  TOKENS,
  testApp,
} from './support.js';

const BATCH_ID = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';

describe('the domain error → status table', () => {
  it.each([
    ['amount_not_a_string', 400],
    ['amount_malformed', 400],
    ['amount_too_precise', 400],
    ['amount_too_large', 400],
    ['amount_not_positive', 400],
    ['unknown_currency', 400],
    ['fa_malformed', 400],
    ['invalid_count', 400],
    ['duplicate_reference', 400],
    ['chunk_size', 400],
    ['invalid_rules', 400],
    ['invalid_cursor', 400],
    ['invalid_as_of', 400],
    ['four_eyes', 403],
    ['batch_not_found', 404],
    ['payment_not_found', 404],
    ['dfsp_not_found', 404],
    ['batch_exists', 409],
    ['reference_conflict', 409],
    ['batch_not_open', 409],
    ['batch_not_submitted', 409],
    ['batch_finished', 409],
    ['payment_already_sent', 409],
    ['concurrent_modification', 409],
    ['control_totals_mismatch', 422],
    ['declared_count_exceeded', 422],
    ['a_code_nobody_listed', 422],
    ['toString', 422],
  ])('%s → %i', (code, status) => {
    expect(statusForDomainCode(code)).toBe(status);
  });
});

describe('formatPath', () => {
  it.each([
    [['payments', 3, 'amount'], 'payments[3].amount'],
    [['rules', 0, 'when', 'minAmount'], 'rules[0].when.minAmount'],
    [['attributes', 'needs review'], 'attributes["needs review"]'],
    [[], '(root)'],
  ])('%j → %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('problems from the app', () => {
  let db: SqlDatabase;
  let events: EventStore;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('maps a domain refusal to its status, type, title, detail and field', async () => {
    const recording = recordingCommands();
    recording.refuse(
      'addPayments',
      new DomainError('amount_too_precise', 'KES allows 2 decimals, got "1.005"', [
        'payments',
        3,
        'amount',
      ]),
    );
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/payments`,
      {
        method: 'POST',
        headers: as(TOKENS.operator),
        body: JSON.stringify([
          { reference: 'r1', beneficiaryId: 'b1', payeeFa: 'account:1@bank-a', amount: '1.005' },
        ]),
      },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({
      type: 'https://g2p-ledger.dev/problems/amount_too_precise',
      title: 'Amount too precise',
      status: 400,
      detail: 'KES allows 2 decimals, got "1.005"',
      errors: [{ path: '[3].amount', message: 'KES allows 2 decimals, got "1.005"' }],
    });
  });

  it('lists every problem of a refused rule set', async () => {
    const recording = recordingCommands();
    recording.refuse(
      'publishRoutingRules',
      new DomainError(
        'invalid_rules',
        'the rule set has 2 problems',
        ['rules', 0],
        [
          { path: ['rules', 0, 'route', 0, 'dfspId'], message: 'DFSP "bank-z" is not registered' },
          { path: ['rules', 1, 'id'], message: 'rule id r1 repeated' },
        ],
      ),
    );
    const response = await testApp({ events, commands: recording.commands }).request(
      '/v1/routing-rules',
      {
        method: 'PUT',
        headers: as(TOKENS.admin),
        body: JSON.stringify({ rules: [] }),
      },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: unknown }).errors).toEqual([
      { path: 'rules[0].route[0].dfspId', message: 'DFSP "bank-z" is not registered' },
      { path: 'rules[1].id', message: 'rule id r1 repeated' },
    ]);
  });

  it.each([
    ['four_eyes', 403],
    ['batch_not_submitted', 409],
    ['control_totals_mismatch', 422],
    ['batch_not_found', 404],
  ])('answers %s with %i', async (code, status) => {
    const recording = recordingCommands();
    recording.refuse('approveBatch', new DomainError(code, `refused: ${code}`));
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/approve`,
      { method: 'POST', headers: as(TOKENS.approver) },
    );
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({
      type: `https://g2p-ledger.dev/problems/${code}`,
      status,
    });
  });

  it('answers a write that lost a race with 409 concurrent_modification', async () => {
    const recording = recordingCommands();
    recording.refuse('submitBatch', new WrongExpectedRevisionError(`batch-${BATCH_ID}`, 3n, 4n));
    const response = await testApp({ events, commands: recording.commands }).request(
      `/v1/batches/${BATCH_ID}/submit`,
      { method: 'POST', headers: as(TOKENS.operator) },
    );
    expect(response.status).toBe(409);
    expect(((await response.json()) as { type: string }).type).toMatch(/concurrent_modification$/);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await testApp({ events }).request('/v1/nothing-here', {
      headers: as(TOKENS.reporter),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { type: string }).type).toMatch(/\/not_found$/);
  });

  it('answers an unexpected error with 500 and no internals, and logs it', async () => {
    const recording = recordingCommands();
    recording.refuse('submitBatch', new Error('connection to db-7.internal:5432 refused'));
    const { logger, lines } = capturingLogger();
    const response = await testApp({ events, commands: recording.commands, logger }).request(
      `/v1/batches/${BATCH_ID}/submit`,
      { method: 'POST', headers: as(TOKENS.operator, { 'x-correlation-id': 'corr-500' }) },
    );
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('db-7');
    expect(JSON.parse(text)).toMatchObject({
      type: 'https://g2p-ledger.dev/problems/internal_error',
      status: 500,
      detail: expect.stringContaining('corr-500'),
    });
    const logged = lines().find((line) => line.msg === 'unexpected error');
    expect(logged).toMatchObject({ correlationId: 'corr-500' });
    expect(JSON.stringify(logged)).toContain('db-7.internal');
  });
});
