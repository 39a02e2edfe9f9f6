import type { StatementNotice } from '../../domain/statement.js';
import { StatementFormatError } from './statementFormatError.js';

/**
 * Charsets a statement may be declared in (`Content-Type: text/plain; charset=…`, an XML
 * declaration's `encoding`), by lower-case label, with the WHATWG decoder that reads each.
 * Latin-1 is read as windows-1252, as browsers do: the two differ only in 0x80–0x9F, which
 * Latin-1 leaves to control characters no statement holds.
 */
const DECODERS: Readonly<Record<string, string>> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  iso_8859_1: 'windows-1252',
  'iso8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'latin-1': 'windows-1252',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'iso-8859-2': 'iso-8859-2',
  iso_8859_2: 'iso-8859-2',
  'iso8859-2': 'iso-8859-2',
  latin2: 'iso-8859-2',
  'latin-2': 'iso-8859-2',
  'windows-1250': 'windows-1250',
  cp1250: 'windows-1250',
  'iso-8859-15': 'iso-8859-15',
  latin9: 'iso-8859-15',
};
/** What a body that is not UTF-8, and declares nothing else, is read as. */
const FALLBACK = 'windows-1252';

/**
 * The decoder of a declared charset label (`ISO-8859-2`, `latin1`), undefined for none; a
 * charset no statement reader reads (UTF-16, Shift_JIS) is refused at `location`.
 *
 * @example
 * decoderOf('ISO-8859-1', 'body'); // 'windows-1252'
 */
export function decoderOf(label: string | undefined, location: string): string | undefined {
  if (label === undefined || label.trim() === '') return undefined;
  const decoder = DECODERS[label.trim().toLowerCase()];
  if (decoder === undefined) {
    const shown = JSON.stringify(label.slice(0, 20));
    throw new StatementFormatError(location, `charset ${shown} is not read (UTF-8, Latin-1/2)`);
  }
  return decoder;
}

/** The charset parameter of a media type (`text/plain; charset="ISO-8859-2"`), if any. */
export function charsetParameter(contentType: string | null | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1];
}

/**
 * Decodes a body's bytes as they arrive: in the declared charset when there is one, else as
 * UTF-8 — and when bytes turn out not to be UTF-8 while all before them were plain ASCII, from
 * there on as the declared single-byte charset or windows-1252, with a `decoded_as` notice. A
 * body that was UTF-8 with accents and then is not is refused: no one charset reads it.
 *
 * @example
 * const text = textDecoding(decoderOf(charset, 'body'));
 * for await (const bytes of body) yield text.decode(bytes, 'line 3');
 * text.end('line 9'); text.notices(); // [{ kind: 'decoded_as', … }]
 */
export function textDecoding(declared: string | undefined) {
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
  let single: InstanceType<typeof TextDecoder> | undefined =
    declared !== undefined && declared !== 'utf-8' ? new TextDecoder(declared) : undefined;
  let carry = new Uint8Array(0);
  let asciiSoFar = true;
  const notices: StatementNotice[] = [];
  if (single !== undefined) {
    notices.push({
      location: 'body',
      kind: 'decoded_as',
      message: `read as declared: ${declared}`,
    });
  }

  const fallBack = (bytes: Uint8Array, location: string): string => {
    if (!asciiSoFar) throw new StatementFormatError(location, 'not valid UTF-8 text');
    const name = declared !== undefined && declared !== 'utf-8' ? declared : FALLBACK;
    single = new TextDecoder(name);
    const was = declared === 'utf-8' ? 'declared UTF-8 but is not' : 'not UTF-8';
    // 'body', not where it was found: that depends on how the bytes arrived.
    notices.push({ location: 'body', kind: 'decoded_as', message: `${was}: read as ${name}` });
    return single.decode(bytes);
  };

  const decode = (chunk: Uint8Array, location: string): string => {
    if (single !== undefined) return single.decode(chunk, { stream: true });
    const bytes = carry.length === 0 ? chunk : concat(carry, chunk);
    const complete = completeUtf8Length(bytes);
    let text: string;
    try {
      text = strictUtf8.decode(bytes.subarray(0, complete));
    } catch {
      carry = new Uint8Array(0);
      return fallBack(bytes, location);
    }
    carry = bytes.slice(complete);
    if (asciiSoFar && !isAscii(bytes.subarray(0, complete))) asciiSoFar = false;
    return text;
  };

  const end = (location: string): string => {
    if (single !== undefined) return single.decode();
    if (carry.length === 0) return '';
    const rest = carry;
    carry = new Uint8Array(0);
    return fallBack(rest, location);
  };

  return { decode, end, notices: (): readonly StatementNotice[] => notices };
}

export type TextDecoding = ReturnType<typeof textDecoding>;

/** The length of `bytes` without an incomplete UTF-8 sequence at its end (at most 3 bytes). */
function completeUtf8Length(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

function isAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
