import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { maskIdentifier, maskName, maskPayeeFa } from '../../src/http/masking.js';
import { anEvent } from '../support/events.js';
import { aPayment, as, fixedQueries, pgliteEventStore, TOKENS, testApp } from './support.js';

const PAYEE = {
  beneficiaryId: 'NID-19800101-0123',
  payeeFa: 'account:100200300@bank-a',
  payeeName: 'Jane Doe',
};
const MASKED = {
  beneficiaryId: '****0123',
  payeeFa: 'account:****0300@bank-a',
  payeeName: 'J*** D***',
};

describe('masking helpers', () => {
  it('masks a financial address to its last 4, an unparsable one entirely', () => {
    expect(maskPayeeFa('account:100200300@bank-a')).toBe('account:****0300@bank-a');
    expect(maskPayeeFa('token:12345@gtbank')).toBe('token:****@gtbank');
    expect(maskPayeeFa('not an address')).toBe('****');
    expect(maskPayeeFa('[erased]')).toBe('[erased]');
  });

  it('keeps the first letter of each word of a name', () => {
    expect(maskName('Jane Doe')).toBe('J*** D***');
    expect(maskName('  Émile   Zola-Smith ')).toBe('É*** Z***');
  });

  it('keeps the last 4 of an identifier of at least 8 characters', () => {
    expect(maskIdentifier('NID-19800101-0123')).toBe('****0123');
    expect(maskIdentifier('ben-1')).toBe('****');
  });
});

describe('personal data by role', () => {
  let db: SqlDatabase;
  let events: EventStore;
  const payment = aPayment({ ...PAYEE, status: 'succeeded' });
  const app = () => testApp({ events, queries: fixedQueries({ payments: [payment] }) });

  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
    const batchId = ulid();
    await events.append(`batch-${batchId}`, 'no_stream', [
      anEvent('PaymentsAdded', {
        batchId,
        payments: [
          { paymentId: payment.paymentId, reference: 'ref-1', amountMinor: '10000', ...PAYEE },
        ],
      }),
    ]);
    await events.append(`payment-${payment.paymentId}`, 'no_stream', [
      anEvent('PaymentInstructed', {
        paymentId: payment.paymentId,
        batchId,
        reference: 'ref-1',
        amountMinor: '10000',
        attributes: { notes: 'x' },
        ...PAYEE,
      }),
      anEvent('PaymentFailed', {
        paymentId: payment.paymentId,
        reasonCode: 'rjct.payee_fa.invalid',
      }),
    ]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('shows a reporter a payment with its payee masked', async () => {
    const one = await app().request(`/v1/payments/${payment.paymentId}`, {
      headers: as(TOKENS.reporter),
    });
    expect(await one.json()).toEqual({ ...payment, ...MASKED });
    const list = await app().request('/v1/payments', { headers: as(TOKENS.reporter) });
    expect(await list.json()).toEqual({ items: [{ ...payment, ...MASKED }], nextCursor: null });
  });

  it.each(['operator', 'approver', 'auditor', 'operatorApprover'] as const)(
    'shows %s a payment whole',
    async (role) => {
      const one = await app().request(`/v1/payments/${payment.paymentId}`, {
        headers: as(TOKENS[role]),
      });
      expect(await one.json()).toEqual(payment);
      const list = await app().request('/v1/payments', { headers: as(TOKENS[role]) });
      expect(await list.json()).toEqual({ items: [payment], nextCursor: null });
    },
  );

  it('keeps a payment without a name without one, masked', async () => {
    const nameless = aPayment({ payeeName: null });
    const response = await testApp({
      events,
      queries: fixedQueries({ payments: [nameless] }),
    }).request(`/v1/payments/${nameless.paymentId}`, { headers: as(TOKENS.reporter) });
    expect(await response.json()).toMatchObject({ payeeName: null, beneficiaryId: '****' });
  });

  it('masks personal fields in the feed for a reporter, wherever the event holds them', async () => {
    const response = await app().request('/v1/events', { headers: as(TOKENS.reporter) });
    const { events: feed } = (await response.json()) as { events: { data: unknown }[] };
    const text = JSON.stringify(feed);
    for (const whole of Object.values(PAYEE)) expect(text).not.toContain(whole);
    expect(feed[0]?.data).toEqual({
      batchId: expect.any(String),
      payments: [
        { paymentId: payment.paymentId, reference: 'ref-1', amountMinor: '10000', ...MASKED },
      ],
    });
    expect(feed[1]?.data).toMatchObject({ ...MASKED, attributes: { notes: '***' } });
    expect(feed[2]?.data).toEqual({
      paymentId: payment.paymentId,
      reasonCode: 'rjct.payee_fa.invalid',
    });
  });

  it('gives an auditor the feed and a payment history whole', async () => {
    const response = await app().request('/v1/events', { headers: as(TOKENS.auditor) });
    const { events: feed } = (await response.json()) as { events: { data: unknown }[] };
    expect(feed[1]?.data).toMatchObject({ ...PAYEE, attributes: { notes: 'x' } });
    const history = await app().request(`/v1/payments/${payment.paymentId}/events`, {
      headers: as(TOKENS.auditor),
    });
    expect(JSON.stringify(await history.json())).toContain(PAYEE.payeeFa);
  });
});
