import { describe, expect, test } from 'vitest';
import { isBic, isIban } from '../../src/adapters/dfsp/iso20022/identifiers.js';
import { Iso20022Error } from '../../src/adapters/dfsp/iso20022/iso20022Error.js';
import {
  buildPain001,
  CREDITOR_NAME_PLACEHOLDER,
  type Pain001Input,
  pain001Problem,
} from '../../src/adapters/dfsp/iso20022/pain001.js';
import type { DisbursementPayment } from '../../src/application/dfspConnector.js';
import { validateXml } from '../support/xsd.js';

/** A 26-character id shaped like the ledger's ULID payment ids. */
const paymentId = (n: number) => `01HZX${String(n).padStart(21, '0')}`;

const payment = (n: number, overrides: Partial<DisbursementPayment> = {}): DisbursementPayment => ({
  paymentId: paymentId(n),
  payeeFa: `account:${100200300 + n}@bank-a`,
  payeeName: `Beneficiary ${n}`,
  amountMinor: 150_000n + BigInt(n),
  currency: 'KES',
  ...overrides,
});

const input = (payments: readonly DisbursementPayment[]): Pain001Input => ({
  messageId: 'MSG-01HZX0000000000000000001',
  createdAt: new Date('2025-03-01T08:30:15.123Z'),
  paymentInformationId: 'PMT-01HZX000000000000000001',
  requestedExecutionDate: '2025-03-03',
  initiatingParty: { name: 'Cash Transfer Programme' },
  debtor: { name: 'Ministry of Social Protection', account: 'KE0012345678', agentBic: 'KCBLKENX' },
  payments,
});

async function expectValid(xml: string): Promise<void> {
  const result = await validateXml(xml, 'pain.001.001.09');
  expect(result.errors).toEqual([]);
  expect(result.valid).toBe(true);
}

/** The text of every `<name>` element, in document order, unescaped. */
function texts(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?: [^>]*)?>([^<]*)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) =>
    (match[1] ?? '')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&apos;', "'")
      .replaceAll('&amp;', '&'),
  );
}

describe('buildPain001', () => {
  test('one payment makes a valid document with the group header and exact amount', async () => {
    const xml = buildPain001(input([payment(1)]));

    await expectValid(xml);
    expect(texts(xml, 'MsgId')).toEqual(['MSG-01HZX0000000000000000001']);
    expect(texts(xml, 'CreDtTm')).toEqual(['2025-03-01T08:30:15Z']);
    expect(texts(xml, 'NbOfTxs')).toEqual(['1', '1']);
    expect(texts(xml, 'CtrlSum')).toEqual(['1500.01', '1500.01']);
    expect(xml).toContain('<InstdAmt Ccy="KES">1500.01</InstdAmt>');
    expect(texts(xml, 'EndToEndId')).toEqual([paymentId(1)]);
    expect(texts(xml, 'InstrId')).toEqual([paymentId(1)]);
    expect(texts(xml, 'BICFI')).toEqual(['KCBLKENX']);
    expect(texts(xml, 'ChrgBr')).toEqual(['SLEV']);
    expect(texts(xml, 'BtchBookg')).toEqual(['false']);
  });

  test('the validator is live: a document breaking the XSD is reported invalid', async () => {
    const xml = buildPain001(input([payment(1)])).replace('"KES">1500.01<', '"KES">1500.0123456<');

    const result = await validateXml(xml, 'pain.001.001.09');

    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toContain('InstdAmt');
  });

  test('5,000 payments make one valid document whose control sum is exact', async () => {
    const payments = Array.from({ length: 5_000 }, (_, n) => payment(n));
    const xml = buildPain001(input(payments));

    await expectValid(xml);
    const totalMinor = payments.reduce((sum, p) => sum + p.amountMinor, 0n);
    const expected = `${totalMinor / 100n}.${String(totalMinor % 100n).padStart(2, '0')}`;
    expect(texts(xml, 'CtrlSum')).toEqual([expected, expected]);
    expect(texts(xml, 'NbOfTxs')).toEqual(['5000', '5000']);
    expect(texts(xml, 'EndToEndId')).toHaveLength(5_000);
  });

  test('JPY has no decimals, BHD three, and the control sum adds them exactly', async () => {
    const xml = buildPain001(
      input([
        payment(1, { amountMinor: 1_500n, currency: 'JPY' }),
        payment(2, { amountMinor: 1_005n, currency: 'BHD' }),
        payment(3, { amountMinor: 1n, currency: 'BHD' }),
        payment(4, { amountMinor: 10n, currency: 'KES' }),
      ]),
    );

    await expectValid(xml);
    expect(xml).toContain('<InstdAmt Ccy="JPY">1500</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="BHD">1.005</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="BHD">0.001</InstdAmt>');
    expect(xml).toContain('<InstdAmt Ccy="KES">0.10</InstdAmt>');
    expect(texts(xml, 'CtrlSum')).toEqual(['1501.106', '1501.106']);
  });

  test('names with markup characters and non-ASCII text are escaped and kept', async () => {
    const name = `O'Brien & "Sons" <Ltd> — Zoë Ωμέγα 北京 😀`;
    const xml = buildPain001(
      input([payment(1, { payeeName: name, note: 'a < b & c > d', purpose: "Child's grant" })]),
    );

    await expectValid(xml);
    expect(xml).toContain('&amp;');
    expect(xml).toContain('&lt;Ltd&gt;');
    expect(texts(xml, 'Nm')).toContain(name);
    expect(texts(xml, 'Ustrd')).toEqual(["a < b & c > d / Child's grant"]);
  });

  test('names longer than 140 characters are cut to 140 without splitting a character', async () => {
    const long = `${'é'.repeat(139)}😀😀😀`;
    const xml = buildPain001(input([payment(1, { payeeName: long, note: 'x'.repeat(500) })]));

    await expectValid(xml);
    const creditorName = texts(xml, 'Nm').find((nm) => nm.startsWith('é'));
    expect(Array.from(creditorName ?? '')).toHaveLength(140);
    expect(creditorName).toBe(`${'é'.repeat(139)}😀`);
    expect(texts(xml, 'Ustrd')).toEqual(['x'.repeat(140)]);
  });

  test('a payee without a name is named NOTPROVIDED', async () => {
    const { payeeName: _, ...unnamed } = payment(1);
    const xml = buildPain001(input([unnamed]));

    await expectValid(xml);
    expect(CREDITOR_NAME_PLACEHOLDER).toBe('NOTPROVIDED');
    expect(texts(xml, 'Nm')).toContain('NOTPROVIDED');
  });

  test('a mobile-money payee is an Othr account with scheme MOBILE at its provider', async () => {
    const xml = buildPain001(input([payment(1, { payeeFa: 'mobile:+254700000000@mpesa' })]));

    await expectValid(xml);
    expect(xml).toMatch(
      /<CdtrAgt>\s*<FinInstnId>\s*<Othr>\s*<Id>mpesa<\/Id>\s*<\/Othr>\s*<\/FinInstnId>\s*<\/CdtrAgt>/,
    );
    expect(xml).toMatch(
      /<CdtrAcct>\s*<Id>\s*<Othr>\s*<Id>\+254700000000<\/Id>\s*<SchmeNm>\s*<Prtry>MOBILE<\/Prtry>/,
    );
  });

  test('an IBAN payee at a BIC provider is an IBAN account at that BIC', async () => {
    const xml = buildPain001(
      input([payment(1, { payeeFa: 'iban:de89370400440532013000@deutdeff', currency: 'EUR' })]),
    );

    await expectValid(xml);
    expect(texts(xml, 'IBAN')).toEqual(['DE89370400440532013000']);
    expect(texts(xml, 'BICFI')).toEqual(['KCBLKENX', 'DEUTDEFF']);
  });

  test('a debtor without a BIC has agent NOTPROVIDED, and an IBAN debtor account is an IBAN', async () => {
    const base = input([payment(1)]);
    const xml = buildPain001({
      ...base,
      debtor: { name: 'Treasury', account: 'GB82WEST12345698765432' },
    });

    await expectValid(xml);
    expect(texts(xml, 'IBAN')).toEqual(['GB82WEST12345698765432']);
    expect(xml).toMatch(/<DbtrAgt>\s*<FinInstnId>\s*<Othr>\s*<Id>NOTPROVIDED<\/Id>/);
  });
});

describe('pain001Problem and refusals', () => {
  test('a payment pain.001 cannot carry is named with its reason', () => {
    expect(pain001Problem(payment(1))).toBeUndefined();
    expect(
      pain001Problem(payment(1, { payeeFa: `account:${'1'.repeat(35)}@bank-a` })),
    ).toMatchObject({ paymentId: paymentId(1), code: 'fa_id_too_long' });
    expect(
      pain001Problem(payment(1, { payeeFa: 'iban:DE00370400440532013000@bank-a' })),
    ).toMatchObject({ code: 'fa_not_iban' });
    expect(pain001Problem(payment(1, { currency: 'XXX' }))).toMatchObject({
      code: 'unknown_currency',
    });
    expect(pain001Problem(payment(1, { amountMinor: 0n }))).toMatchObject({
      code: 'amount_not_positive',
    });
    expect(pain001Problem(payment(1, { payeeFa: 'no-type@bank' }))).toMatchObject({
      code: 'fa_malformed',
    });
    expect(pain001Problem(payment(1, { paymentId: 'x'.repeat(36) }))).toMatchObject({
      code: 'payment_id_invalid',
    });
  });

  test('building with an unsendable payment throws naming that payment', () => {
    const build = () => buildPain001(input([payment(1), payment(2, { currency: 'XXX' })]));
    expect(build).toThrow(Iso20022Error);
    expect(build).toThrow(
      expect.objectContaining({ code: 'unsendable_payment', paymentId: paymentId(2) }),
    );
  });

  test('input the schema cannot carry is refused', () => {
    const base = input([payment(1)]);
    const refused = (changed: Partial<Pain001Input>) =>
      expect(() => buildPain001({ ...base, ...changed })).toThrow(
        expect.objectContaining({ code: 'invalid_input' }),
      );
    refused({ messageId: 'M'.repeat(36) });
    refused({ paymentInformationId: '' });
    refused({ payments: [] });
    refused({ payments: [payment(1), payment(1)] });
    refused({ requestedExecutionDate: '2025-02-30' });
    refused({ createdAt: new Date(Number.NaN) });
    refused({ debtor: { name: 'Treasury', account: 'KE12', agentBic: 'not-a-bic' } });
    refused({ initiatingParty: { name: '  \n ' } });
  });
});

describe('identifiers', () => {
  test('IBANs are checked by MOD 97, BICs by shape and country', () => {
    expect(isIban('DE89370400440532013000')).toBe(true);
    expect(isIban('GB82WEST12345698765432')).toBe(true);
    expect(isIban('DE88370400440532013000')).toBe(false);
    expect(isIban('100200300')).toBe(false);
    expect(isBic('DEUTDEFF')).toBe(true);
    expect(isBic('DEUTDEFF500')).toBe(true);
    expect(isBic('SAFARIKE')).toBe(false);
    expect(isBic('BANK-A')).toBe(false);
  });
});
