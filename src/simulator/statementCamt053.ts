import { formatAmount } from '../domain/money.js';
import type { SimulatedStatement, StatementLine } from './simulatedStatement.js';

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';
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

function amt(amountMinor: bigint, currency: string): string {
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

function entry(line: StatementLine, currency: string): string[] {
  const booked = line.bookedAt.slice(0, 10);
  const creditor = (line.payeeName ?? line.payeeFa).slice(0, MAX_TEXT_CHARS);
  return [
    '<Ntry>',
    `  ${amt(line.amountMinor, currency)}`,
    `  <CdtDbtInd>${line.direction === 'debit' ? 'DBIT' : 'CRDT'}</CdtDbtInd>`,
    `  <RvslInd>${line.reversal}</RvslInd>`,
    '  <Sts>BOOK</Sts>',
    `  <BookgDt><Dt>${booked}</Dt></BookgDt>`,
    `  <ValDt><Dt>${booked}</Dt></ValDt>`,
    `  <AcctSvcrRef>${xmlText(line.bankReference)}</AcctSvcrRef>`,
    '  <BkTxCd><Domn><Cd>PMNT</Cd>' +
      '<Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>',
    '  <NtryDtls>',
    '    <TxDtls>',
    `      <Refs><EndToEndId>${xmlText(line.reference)}</EndToEndId></Refs>`,
    `      <AmtDtls><TxAmt>${amt(line.amountMinor, currency)}</TxAmt></AmtDtls>`,
    `      <RltdPties><Cdtr><Nm>${xmlText(creditor)}</Nm></Cdtr></RltdPties>`,
    `      <RmtInf><Ustrd>${xmlText(line.narrative)}</Ustrd></RmtInf>`,
    '    </TxDtls>',
    '  </NtryDtls>',
    '</Ntry>',
  ];
}

const indent = (depth: number, lines: readonly string[]) =>
  lines.map((line) => `${'  '.repeat(depth)}${line}`);

/**
 * The statement as an ISO 20022 camt.053.001.02 document (UTF-8, indented): one `Stmt` with the
 * opening (`OPBD`) and closing (`CLBD`) balances and one `Ntry` per line, its `EndToEndId` the
 * payment's reference. A reversal is `CdtDbtInd` CRDT with `RvslInd` true.
 *
 * @example
 * statementCamt053(statement);
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>…
 */
export function statementCamt053(statement: SimulatedStatement): string {
  const { currency } = statement;
  const stmt = [
    `<Id>${xmlText(statement.id)}</Id>`,
    `<CreDtTm>${statement.createdAt}</CreDtTm>`,
    `<FrToDt><FrDtTm>${statement.from}</FrDtTm><ToDtTm>${statement.to}</ToDtTm></FrToDt>`,
    `<Acct><Id><Othr><Id>${xmlText(statement.accountId)}</Id></Othr></Id>` +
      `<Ccy>${xmlText(currency)}</Ccy></Acct>`,
    ...balance('OPBD', statement.openingMinor, statement.openingOn, currency),
    ...balance('CLBD', statement.closingMinor, statement.closingOn, currency),
    ...statement.lines.flatMap((line) => entry(line, currency)),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${CAMT053_NAMESPACE}">`,
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
