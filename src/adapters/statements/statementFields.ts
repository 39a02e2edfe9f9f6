/**
 * Field values the text statement parsers (CSV, MT940) read alike: calendar dates, narratives,
 * the booking period, and their bounds.
 */

import { optional } from '../../domain/optional.js';
import type { StatementLine } from '../../domain/statement.js';
import { StatementFormatError, type StatementLimits } from './statementInput.js';

/** Longest narrative a statement line keeps, in characters (`StatementLine.narrative`). */
export const MAX_NARRATIVE_CHARS = 500;

/** Most input characters an error message quotes. */
const MAX_QUOTED_CHARS = 12;

/** The `textLines` bounds of a text statement: at most 20 physical lines per statement line. */
export function physicalLineLimits(limits: StatementLimits) {
  return {
    maxBytes: limits.maxBytes,
    maxLineLength: limits.maxLineLength,
    maxPhysicalLines: limits.maxLines * 20,
  };
}

/** Most statements one file may hold: a year of daily statements and then some. */
export const MAX_STATEMENTS_PER_FILE = 1_000;

/** Refuses a statement beyond `MAX_STATEMENTS_PER_FILE` (a limit breach: `tooLarge`). */
export function assertStatementRoom(count: number, location: string): void {
  if (count >= MAX_STATEMENTS_PER_FILE) {
    throw new StatementFormatError(
      location,
      `more than ${MAX_STATEMENTS_PER_FILE} statements in one file`,
      true,
    );
  }
}

/** Refuses a statement line beyond `limits.maxLines` (a limit breach: `tooLarge`). */
export function assertLineRoom(count: number, limits: StatementLimits, location: string): void {
  if (count >= limits.maxLines) {
    throw new StatementFormatError(location, `more than ${limits.maxLines} statement lines`, true);
  }
}

/**
 * The ISO 8601 date (`2026-11-28`) of a real calendar day, or undefined (`2026-02-30`).
 *
 * @example
 * calendarDate(2026, 11, 28); // '2026-11-28'
 */
export function calendarDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!real || year < 1 || year > 9999) return undefined;
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** A narrative as a statement line keeps it: trimmed, at most 500 characters, absent if blank. */
export function narrativeText(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed.length <= MAX_NARRATIVE_CHARS) return trimmed;
  const cut = trimmed.slice(0, MAX_NARRATIVE_CHARS);
  // Never end on half of a surrogate pair.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The earliest and latest `bookedOn` of `lines`, each absent when no line has a date. */
export function bookingPeriod(lines: readonly StatementLine[]): { from?: string; to?: string } {
  let from: string | undefined;
  let to: string | undefined;
  for (const { bookedOn } of lines) {
    if (bookedOn === undefined) continue;
    if (from === undefined || bookedOn < from) from = bookedOn;
    if (to === undefined || bookedOn > to) to = bookedOn;
  }
  return { ...optional('from', from), ...optional('to', to) };
}

/** A few characters of input for an error message, JSON-quoted. */
export function quoted(text: string): string {
  return JSON.stringify(
    text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text,
  );
}
