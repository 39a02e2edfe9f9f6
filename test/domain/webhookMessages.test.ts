import { describe, expect, it } from 'vitest';
import { paymentDecider } from '../../src/domain/paymentDecider.js';
import type { PaymentEvent } from '../../src/domain/paymentEvents.js';
import {
  batchStatusMessage,
  paymentStatusMessage,
  wantsMessage,
} from '../../src/domain/webhookMessages.js';
import { checkWebhookUrl, webhookMessageId } from '../../src/domain/webhookSubscription.js';

const PAYMENT = '01JB4Z6Q0X8Y7W3V2T1S0R9P8N';
const BATCH = '01JB4Z6Q0X8Y7W3V2T1S0R9P8M';
const place = { position: 42n, occurredAt: '2026-12-07T10:00:00.000Z' };

const instructed: PaymentEvent = {
  type: 'PaymentInstructed',
  data: {
    paymentId: PAYMENT,
    batchId: BATCH,
    programId: 'CT-OVC',
    reference: 'ref-1',
    beneficiaryId: 'ben-1',
    payeeFa: 'account:1@bank-a',
    amountMinor: '1000',
    currency: 'KES',
  },
} as PaymentEvent;
const routed: PaymentEvent = {
  type: 'PaymentRouted',
  data: { paymentId: PAYMENT, dfspId: 'bank-a', ruleId: 'r', rulesVersion: 1, via: 'route' },
};

const fold = (events: PaymentEvent[]) =>
  events.reduce(paymentDecider.evolve, paymentDecider.initialState());

describe('webhook messages', () => {
  it('given a pending payment, when it is routed, then a status change to routed is sent', () => {
    const message = paymentStatusMessage(fold([instructed]), fold([instructed, routed]), place);
    expect(message).toEqual({
      type: 'payment.status_changed',
      timestamp: place.occurredAt,
      programId: 'CT-OVC',
      batchId: BATCH,
      data: {
        paymentId: PAYMENT,
        batchId: BATCH,
        programId: 'CT-OVC',
        reference: 'ref-1',
        status: 'routed',
        previousStatus: 'pending',
        statusReason: null,
        dfspId: 'bank-a',
        position: '42',
      },
    });
  });

  it('given a payment, when an event leaves its status as it was, then nothing is sent', () => {
    const state = fold([instructed, routed]);
    expect(paymentStatusMessage(state, state, place)).toBeUndefined();
  });

  it('sends a batch status for the events that change it, and none for others', () => {
    const batch = { batchId: BATCH, programId: 'CT-OVC' };
    expect(batchStatusMessage('BatchCompleted', batch, place)?.data.status).toBe('completed');
    expect(batchStatusMessage('PaymentsAdded', batch, place)).toBeUndefined();
  });

  it('lets through only the types and programmes a subscription names', () => {
    const message = paymentStatusMessage(fold([instructed]), fold([instructed, routed]), place);
    if (message === undefined) throw new Error('no message');
    const all = { events: ['payment.status_changed'] as const, filters: {} };
    expect(wantsMessage(all, message)).toBe(true);
    expect(wantsMessage({ ...all, filters: { programIds: ['OTHER'] } }, message)).toBe(false);
    expect(wantsMessage({ ...all, filters: { batchIds: [BATCH] } }, message)).toBe(true);
    expect(wantsMessage({ events: ['batch.status_changed'], filters: {} }, message)).toBe(false);
  });

  it('names a message by subscription and position, with no dot', () => {
    expect(webhookMessageId('erp-1', 1234n)).toBe('msg_erp-1_1234');
  });

  it('refuses subscriber URLs the DFSP URL policy refuses', () => {
    const strict = { allowInsecure: false, hostAllowlist: [] };
    expect(() => checkWebhookUrl('http://erp.example.org/', strict)).toThrow(/https/);
    expect(() => checkWebhookUrl('https://127.0.0.1/', strict)).toThrow(/loopback/);
    expect(() => checkWebhookUrl('sftp://erp.example.org/', strict)).toThrow(/http or https/);
    expect(() => checkWebhookUrl('https://erp.example.org/hooks', strict)).not.toThrow();
  });
});
