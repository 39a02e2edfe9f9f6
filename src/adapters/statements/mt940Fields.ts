import { quoted } from './statementFields.js';
import { StatementFormatError, type StatementLimits } from './statementInput.js';

/** One MT940 field: its tag (`61`, `60F`, `NS`), the line it starts on and its text lines. */
export interface Mt940Field {
  readonly tag: string;
  readonly line: number;
  readonly texts: string[];
  chars: number;
}

/**
 * What the lines of an MT940 file come to: a field of a statement (`:20:` starts one), the end of
 * a statement (`-`, `-}`, `$`, or text after its last balance), or lines outside any statement
 * that were skipped (a bank's header lines, `:940:`, `ABNANL2A`, `0000 01INGBNL2A…`).
 */
export type Mt940Item =
  | { readonly kind: 'field'; readonly field: Mt940Field }
  | { readonly kind: 'end' }
  | { readonly kind: 'skipped'; readonly from: number; readonly to: number };

/** A field tag: two digits and a letter (`60F`), two or three characters (`20`, `NS`, `940`). */
const TAG = /^:([0-9A-Z]{2,3}):/;
/** Fields that end a statement: a non-tag line after one of them is outside the statement. */
const LAST_FIELDS = new Set(['62F', '62M', '64', '65']);
/** SOH and ETX, which some banks' transmission software leaves around each message. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are the point
const TRANSMISSION_CONTROLS = /[\u0001\u0003]/g;

/**
 * The items of an MT940 file, line by line. SWIFT envelopes are taken apart wherever their
 * blocks sit: `{1:…}{2:…}{3:…}` on one line or each on its own, block 4 opening (`{4:`) on its
 * own line or before the first field, and `-}{5:…}` trailers. Lines outside a statement are
 * never refused here: they are reported as skipped, and a file with no `:20:` at all is refused
 * by the caller.
 */
export async function* mt940Items(
  lines: AsyncIterable<readonly [number, string]>,
  limits: StatementLimits,
): AsyncGenerator<Mt940Item> {
  let field: Mt940Field | undefined;
  let inside = false;
  let skipped: { from: number; to: number } | undefined;
  const flushSkipped = function* (): Generator<Mt940Item> {
    if (skipped !== undefined) yield { kind: 'skipped', ...skipped };
    skipped = undefined;
  };
  const close = function* (): Generator<Mt940Item> {
    if (field !== undefined) yield { kind: 'field', field };
    if (inside) yield { kind: 'end' };
    field = undefined;
    inside = false;
  };
  for await (const [line, physical] of lines) {
    const text = unwrapped(physical.replace(TRANSMISSION_CONTROLS, '').trimEnd());
    if (text === undefined || text.trim() === '') continue;
    if (text === '-' || text === '$' || text.startsWith('-}')) {
      yield* close();
      continue;
    }
    const tag = TAG.exec(text);
    if (tag !== null && (inside || tag[1] === '20')) {
      if (field !== undefined) yield { kind: 'field', field };
      yield* flushSkipped();
      const first = text.slice(tag[0].length);
      field = { tag: tag[1] ?? '', line, texts: [first], chars: first.length };
      inside = true;
      continue;
    }
    if (inside && field !== undefined && !LAST_FIELDS.has(field.tag)) {
      if (tag === null && text.startsWith(':') && field.tag !== '86') {
        throw new StatementFormatError(
          `line ${line}`,
          `expected a tag such as :61:, not ${quoted(text)}`,
        );
      }
      field.texts.push(text);
      field.chars += text.length;
      if (field.chars > limits.maxLineLength) {
        throw new StatementFormatError(
          `line ${field.line}, field :${field.tag}:`,
          `longer than ${limits.maxLineLength} characters`,
          true,
        );
      }
      continue;
    }
    yield* close();
    skipped = { from: skipped?.from ?? line, to: line };
  }
  yield* close();
  yield* flushSkipped();
}

/**
 * A line without its SWIFT envelope: the text after `{4:` when the line opens block 4, nothing
 * (undefined) for a line of header or trailer blocks only (`{1:F01…}{2:O940…}`, `{5:{CHK:…}}`),
 * else the line itself.
 */
function unwrapped(text: string): string | undefined {
  if (!text.startsWith('{')) return text;
  const body = text.indexOf('{4:');
  if (body !== -1) return text.slice(body + 3);
  return /^(\{[0-9A-Z]{1,3}:[^{}]*(\{[^{}]*\})*[^{}]*\}?)+$/.test(text) ? undefined : text;
}
