import {
  MAX_STATEMENT_NOTICES,
  type ParsedStatement,
  type StatementNotice,
  type StatementNoticeKind,
} from '../../domain/statement.js';

/** Longest notice message kept, in characters. */
const MAX_MESSAGE_CHARS = 200;

/**
 * The notices of one statement as a reader finds them, bounded: after
 * `MAX_STATEMENT_NOTICES - 1` notices, the rest are only counted, and `list()` ends with one
 * `more_notices` notice saying how many.
 *
 * @example
 * const notices = noticeList();
 * notices.add('line 7, field :NS:', 'unknown_tag', 'field :NS: not read');
 * statement.notices = notices.list();
 */
export function noticeList(initial: readonly StatementNotice[] = []) {
  const kept: StatementNotice[] = [];
  let dropped = 0;
  const add = (location: string, kind: StatementNoticeKind, message: string): void => {
    if (kept.length >= MAX_STATEMENT_NOTICES - 1) {
      dropped += 1;
      return;
    }
    kept.push({ location, kind, message: message.slice(0, MAX_MESSAGE_CHARS) });
  };
  for (const notice of initial) add(notice.location, notice.kind, notice.message);
  const list = (): StatementNotice[] =>
    dropped === 0
      ? [...kept]
      : [...kept, { location: 'body', kind: 'more_notices', message: `${dropped} more notices` }];
  return { add, list };
}

export type NoticeList = ReturnType<typeof noticeList>;

/** The statement with `notices` added (first, for notices about the whole file). */
export function withNotices(
  statement: ParsedStatement,
  notices: readonly StatementNotice[],
  first = false,
): ParsedStatement {
  const all = first ? [...notices, ...statement.notices] : [...statement.notices, ...notices];
  return { ...statement, notices: noticeList(all).list() };
}
