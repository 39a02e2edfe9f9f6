import { optional } from '../../domain/optional.js';
import type {
  ParsedStatement,
  StatementBalance,
  StatementLine,
  StatementNotice,
} from '../../domain/statement.js';
import { mt940Balance, mt940StatementLine } from './mt940Entries.js';
import { type Mt940Field, mt940Items } from './mt940Fields.js';
import { mt940Details } from './mt940Narrative.js';
import { decoderOf, textDecoding } from './statementCharset.js';
import {
  assertLineRoom,
  assertStatementRoom,
  bookingPeriod,
  physicalLineLimits,
} from './statementFields.js';
import {
  DEFAULT_STATEMENT_LIMITS,
  StatementFormatError,
  type StatementLimits,
  textLines,
} from './statementInput.js';
import { type NoticeList, noticeList, withNotices } from './statementNotices.js';

/** Longest reference a line takes from its `:86:`, as from its `:61:`. */
const MAX_REFERENCE_CHARS = 35;
/** Fields read past without a notice: they say nothing reconciliation needs. */
const IGNORED_TAGS = new Set(['13', '13D', '21', '28', '28C', '64', '65']);

/**
 * Parses a DFSP's SWIFT MT940 file: one or more statements (`:20:` … `:62F:`), plain or in SWIFT
 * messages (`{1:…}{2:…}{4:` … `-}`), however the bank laid them out. Lines before, between and
 * after statements (`:940:`, `ABNANL2A`, `0000 01INGBNL2A…`, SOH bytes, `$` separators) are
 * skipped with a notice. Per statement: `:20:` (statementRef), `:25:` (accountId),
 * `:60F:`/`:60M:` and `:62F:`/`:62M:` (required balances, signed: `D` is negative; the opening
 * balance's currency is every line's), `:61:` (one statement line, see `mt940StatementLine`),
 * `:86:` (the narrative of the `:61:` just before it, at most 500 characters, and its SEPA
 * end-to-end reference when the `:61:` has none: see `mt940Details`; elsewhere ignored). `:13D:`, `:21:`, `:28:`, `:28C:`, `:64:` and `:65:` are
 * ignored; any other field (`:NS:`) is kept unread and named in a notice. `bookedOn` is the
 * `:61:` entry date when given, else its value date; the period is the earliest and latest.
 *
 * Text is UTF-8, or the `charset` declared, or windows-1252 when it is not UTF-8 (a notice
 * says so). Hand-written on `textLines` (bounded size, line length and line count): the npm
 * MT940 parsers (`mt940js`, `mt940-js`) read a whole buffer at once, hold amounts as floating
 * point numbers, and `mt940js` cuts customer references at 16 characters, which would cut our
 * payment ids.
 *
 * @example
 * const [statement] = await parseMt940Statements(request.body);
 * statement.closing; // { amountMinor: -23706834n, currency: 'KES', on: '2026-11-29' }
 */
export async function parseMt940Statements(
  input: AsyncIterable<Uint8Array>,
  limits: StatementLimits = DEFAULT_STATEMENT_LIMITS,
  charset?: string,
): Promise<ParsedStatement[]> {
  const decoding = textDecoding(decoderOf(charset, 'body'));
  const lines = textLines(input, physicalLineLimits(limits), decoding);
  const statements: ParsedStatement[] = [];
  const count = { lines: 0 };
  let current: ReturnType<typeof mt940Reader> | undefined;
  let leading: StatementNotice[] = [];
  let trailing: StatementNotice | undefined;
  const finish = () => {
    if (current !== undefined) statements.push(current.finish());
    current = undefined;
  };
  for await (const item of mt940Items(lines, limits)) {
    if (item.kind === 'skipped') {
      const location =
        item.from === item.to ? `line ${item.from}` : `lines ${item.from}-${item.to}`;
      const outside = 'text outside a statement (:20: … :62F:) skipped';
      leading.push({ location, kind: 'leading_lines_skipped', message: outside });
      // The same lines, should no statement follow them.
      const after = 'text after the last statement skipped';
      trailing = { location, kind: 'trailing_lines_skipped', message: after };
    } else if (item.kind === 'end') {
      finish();
    } else if (item.field.tag === '20') {
      finish();
      assertStatementRoom(statements.length, `line ${item.field.line}, field :20:`);
      current = mt940Reader(item.field, limits, count, leading);
      leading = [];
      trailing = undefined;
    } else {
      current?.read(item.field);
    }
  }
  finish();
  const last = statements.at(-1);
  if (last === undefined) throw new StatementFormatError('body', 'no MT940 statement (:20:)');
  if (trailing !== undefined) statements[statements.length - 1] = withNotices(last, [trailing]);
  const decoded = decoding.notices();
  return decoded.length === 0 ? statements : statements.map((s) => withNotices(s, decoded, true));
}

/** Gathers the fields of one statement in order, checking what must come before what. */
function mt940Reader(
  start: Mt940Field,
  limits: StatementLimits,
  count: { lines: number },
  leading: readonly StatementNotice[],
) {
  const notices = noticeList(leading);
  const startedAt = `line ${start.line}, field :20:`;
  let accountId: string | undefined;
  let opening: StatementBalance | undefined;
  let closing: StatementBalance | undefined;
  let previousTag = '20';
  const lines: StatementLine[] = [];
  const statementRef = single(start, startedAt);

  const read = (field: Mt940Field): void => {
    const where = `line ${field.line}, field :${field.tag}:`;
    switch (field.tag) {
      case '25':
        accountId = single(field, where);
        break;
      case '60F':
      case '60M':
        if (opening !== undefined)
          throw new StatementFormatError(where, 'a second opening balance');
        opening = mt940Balance(single(field, where), where, notices);
        break;
      case '61':
        if (opening === undefined || closing !== undefined) {
          throw new StatementFormatError(where, 'a statement line outside :60F: … :62F:');
        }
        assertLineRoom(count.lines, limits, where);
        count.lines += 1;
        lines.push(
          mt940StatementLine(
            field.texts[0] ?? '',
            opening.currency,
            lines.length + 1,
            where,
            notices,
          ),
        );
        break;
      case '86':
        if (previousTag === '61') narrate(lines, field);
        break;
      case '62F':
      case '62M':
        closing = closingBalance(field, where, opening, closing, notices);
        break;
      default:
        if (!IGNORED_TAGS.has(field.tag)) unknownTag(field, where, notices);
    }
    previousTag = field.tag;
  };

  const finish = (): ParsedStatement => {
    if (opening === undefined)
      throw new StatementFormatError(startedAt, 'no opening balance :60F:');
    if (closing === undefined)
      throw new StatementFormatError(startedAt, 'no closing balance :62F:');
    return {
      format: 'mt940',
      ...optional('statementRef', statementRef === '' ? undefined : statementRef),
      ...optional('accountId', accountId),
      ...bookingPeriod(lines),
      opening,
      closing,
      lines,
      notices: notices.list(),
    };
  };

  return { read, finish };
}

function single(field: Mt940Field, where: string): string {
  if (field.texts.length > 1) {
    throw new StatementFormatError(where, 'a one-line field continues on the next line');
  }
  return (field.texts[0] ?? '').trim();
}

function closingBalance(
  field: Mt940Field,
  where: string,
  opening: StatementBalance | undefined,
  closing: StatementBalance | undefined,
  notices: NoticeList,
): StatementBalance {
  if (opening === undefined || closing !== undefined) {
    throw new StatementFormatError(where, 'a closing balance without its opening balance');
  }
  const balance = mt940Balance(single(field, where), where, notices);
  if (balance.currency !== opening.currency) {
    throw new StatementFormatError(where, 'closing balance in another currency');
  }
  return balance;
}

/**
 * The `:86:` after a `:61:` is that line's narrative (see `mt940Details`); a line with no
 * customer reference takes the SEPA end-to-end reference the `:86:` gives, which is where German
 * and Dutch banks echo the payment id.
 */
function narrate(lines: StatementLine[], field: Mt940Field): void {
  const last = lines.at(-1);
  if (last === undefined) return;
  const { narrative, endToEndId } = mt940Details(field.texts);
  const reference =
    last.reference === null && endToEndId !== undefined && endToEndId.length <= MAX_REFERENCE_CHARS
      ? endToEndId
      : last.reference;
  lines[lines.length - 1] = { ...last, reference, ...optional('narrative', narrative) };
}

function unknownTag(field: Mt940Field, where: string, notices: NoticeList): void {
  notices.add(where, 'unknown_tag', `field :${field.tag}: is not read`);
}
