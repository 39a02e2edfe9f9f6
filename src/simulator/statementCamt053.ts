import { formatAmount } from '../domain/money.js';
import type { SimulatedStatement, StatementLine } from './simulatedStatement.js';

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
export const CAMT053_08_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/**
 * The camt message versions written: `001.02` (the HTTP statement endpoint's) and `001.08` (the
 * file bank's camt.053 and camt.054). Their entries differ in two places: from .08 on, `Sts` is
 * a choice (`<Sts><Cd>BOOK</Cd></Sts>`) and a related party is `Cdtr/Pty/Nm`.
 */
export type CamtVersion = '001.02' | '001.08';
/** Max35Text: the longest EndToEndId. */
export const MAX_END_TO_END_ID_CHARS = 35;
/** Max140Text: the longest name or unstructured remittance line. */
const MAX_TEXT_CHARS = 140;

/** C0 controls but tab, LF and CR, and the noncharacters U+FFFE and U+FFFF. */
const FORBIDDEN_CHARACTER = String.raw`[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]`;
/** A high surrogate not followed by a low one. */
const LONE_HIGH_SURROGATE = String.raw`[\ud800-\udbff](?![\udc00-\udfff])`;
/** A low surrogate not preceded by a high one. */
const LONE_LOW_SURROGATE = String.raw`(?<![\ud800-\udbff])[\udc00-\udfff]`;
/** What XML 1.0 character data cannot carry. */
const NOT_XML_CHARACTER = new RegExp(
  [FORBIDDEN_CHARACTER, LONE_HIGH_SURROGATE, LONE_LOW_SURROGATE].join('|'),
  'g',
);

/**
 * Text as XML character data (for elements and double-quoted attributes): markup characters as
 * entities, characters XML 1.0 cannot carry (C0 controls but tab, CR, LF; lone surrogates;
 * U+FFFE/U+FFFF) as U+FFFD.
 */
export function xmlText(text: string): string {
  return text
    .replace(NOT_XML_CHARACTER, '\ufffd')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** `<Amt Ccy="KES">10.50</Amt>`: minor units written with the currency's decimals. */
export function amt(amountMinor: bigint, currency: string): string {
  return `<Amt Ccy="${xmlText(currency)}">${formatAmount(amountMinor, currency)}</Amt>`;
}

function balance(code: 'OPBD' | 'CLBD', amountMinor: bigint, on: string, currency: string) {
  const magnitude = amountMinor < 0n ? -amountMinor : amountMinor;
  return [
    '<Bal>',
    `  <Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp>`,
    `  ${amt(magnitude, currency)}`,
    `  <CdtDbtInd>${amountMinor < 0n ? 'DBIT' : 'CRDT'}</CdtDbtInd>`,
    `  <Dt><Dt>${on}</Dt></Dt>`,
    '</Bal>',
  ];
}

/**
 * One booked entry (`Ntry`, camt.053 and camt.054 alike) as indented lines: its `EndToEndId` is
 * the payment's reference, its creditor the payee's name (or FA).
 */
export function camtEntry(line: StatementLine, currency: string, version: CamtVersion): string[] {
  const booked = line.bookedAt.slice(0, 10);
  const creditor = xmlText((line.payeeName ?? line.payeeFa).slice(0, MAX_TEXT_CHARS));
  const v08 = version === '001.08';
  return [
    '<Ntry>',
    `  ${amt(line.amountMinor, currency)}`,
    `  <CdtDbtInd>${line.direction === 'debit' ? 'DBIT' : 'CRDT'}</CdtDbtInd>`,
    `  <RvslInd>${line.reversal}</RvslInd>`,
    v08 ? '  <Sts><Cd>BOOK</Cd></Sts>' : '  <Sts>BOOK</Sts>',
    `  <BookgDt><Dt>${booked}</Dt></BookgDt>`,
    `  <ValDt><Dt>${booked}</Dt></ValDt>`,
    `  <AcctSvcrRef>${xmlText(line.bankReference)}</AcctSvcrRef>`,
    '  <BkTxCd><Domn><Cd>PMNT</Cd>' +
      '<Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>',
    '  <NtryDtls>',
    '    <TxDtls>',
    `      <Refs><EndToEndId>${xmlText(line.reference)}</EndToEndId></Refs>`,
    `      <AmtDtls><TxAmt>${amt(line.amountMinor, currency)}</TxAmt></AmtDtls>`,
    v08
      ? `      <RltdPties><Cdtr><Pty><Nm>${creditor}</Nm></Pty></Cdtr></RltdPties>`
      : `      <RltdPties><Cdtr><Nm>${creditor}</Nm></Cdtr></RltdPties>`,
    `      <RmtInf><Ustrd>${xmlText(line.narrative)}</Ustrd></RmtInf>`,
    '    </TxDtls>',
    '  </NtryDtls>',
    '</Ntry>',
  ];
}

/** Lines indented `depth` times two spaces. */
export const indent = (depth: number, lines: readonly string[]) =>
  lines.map((line) => `${'  '.repeat(depth)}${line}`);

/**
 * The statement as an ISO 20022 camt.053 document (UTF-8, indented), version `001.02` unless
 * asked for `001.08`: one `Stmt` with the opening (`OPBD`) and closing (`CLBD`) balances and one
 * `Ntry` per line, its `EndToEndId` the payment's reference. A reversal is `CdtDbtInd` CRDT with
 * `RvslInd` true.
 *
 * @example
 * statementCamt053(statement);
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>…
 */
export function statementCamt053(
  statement: SimulatedStatement,
  version: CamtVersion = '001.02',
): string {
  const { currency } = statement;
  const stmt = [
    `<Id>${xmlText(statement.id)}</Id>`,
    `<CreDtTm>${statement.createdAt}</CreDtTm>`,
    `<FrToDt><FrDtTm>${statement.from}</FrDtTm><ToDtTm>${statement.to}</ToDtTm></FrToDt>`,
    `<Acct><Id><Othr><Id>${xmlText(statement.accountId)}</Id></Othr></Id>` +
      `<Ccy>${xmlText(currency)}</Ccy></Acct>`,
    ...balance('OPBD', statement.openingMinor, statement.openingOn, currency),
    ...balance('CLBD', statement.closingMinor, statement.closingOn, currency),
    ...statement.lines.flatMap((line) => camtEntry(line, currency, version)),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${version === '001.08' ? CAMT053_08_NAMESPACE : CAMT053_NAMESPACE}">`,
    '  <BkToCstmrStmt>',
    '    <GrpHdr>',
    `      <MsgId>${xmlText(statement.id)}</MsgId>`,
    `      <CreDtTm>${statement.createdAt}</CreDtTm>`,
    '    </GrpHdr>',
    '    <Stmt>',
    ...indent(3, stmt),
    '    </Stmt>',
    '  </BkToCstmrStmt>',
    '</Document>',
    '',
  ].join('\n');
}
