/**
 * JSON with its numbers kept as the text the client wrote. The G2P Bridge sends amounts as JSON
 * numbers; `JSON.parse` would turn `100.10` into a binary float, and a ledger must never hold
 * money as one. Every number token outside a string is quoted before parsing, so it arrives as
 * its exact source text (`"100.10"`), for `parseAmount` to read as a decimal.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parses `text` as JSON with every number as a string of its source text. Throws `SyntaxError`
 * on text that is not JSON, as `JSON.parse` does.
 *
 * @example
 * parseExactJson('{"amount": 100.10, "n": 2}'); // { amount: '100.10', n: '2' }
 */
export function parseExactJson(text: string): unknown {
  let quoted = '';
  let from = 0;
  let inString = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (inString) {
      if (char === '\\') at += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      NUMBER.lastIndex = at;
      const match = NUMBER.exec(text);
      if (match === null) continue; // not a number: JSON.parse reports it
      quoted += `${text.slice(from, at)}"${match[0]}"`;
      at += match[0].length - 1;
      from = at + 1;
    }
  }
  return JSON.parse(quoted + text.slice(from));
}

/** A JSON number written as `text` by {@link stringifyExact}, never through a float. */
export class ExactNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(?:\.\d+)?$/.test(text)) throw new Error(`not a decimal number: ${text}`);
  }

  toJSON(): string {
    return `${MARK}${this.text}${MARK}`;
  }
}

const MARK = '\u0001exact\u0001';
// JSON.stringify writes the mark's control characters as \u0001 escapes inside the quoted string.
const MARKED = /"\\u0001exact\\u0001(-?\d+(?:\.\d+)?)\\u0001exact\\u0001"/g;

/**
 * `JSON.stringify`, with each {@link ExactNumber} written as a bare JSON number of its text.
 *
 * @example
 * stringifyExact({ total: new ExactNumber('100.10') }); // '{"total":100.10}'
 */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value).replace(MARKED, '$1');
}
