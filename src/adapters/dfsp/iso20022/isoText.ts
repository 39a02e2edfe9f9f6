/** Characters XML 1.0 cannot carry (controls other than tab and line ends, lone surrogates, U+FFFE/F). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const WHITESPACE_RUN = /\s+/gu;

/**
 * `text` made fit for an ISO 20022 `MaxNText` field of `maxChars` characters: characters XML
 * cannot carry become spaces, runs of whitespace (line breaks, tabs) one space, the ends are
 * trimmed, and the rest is cut to `maxChars` characters (Unicode code points, as the XSD's
 * `maxLength` counts them, so a character outside the BMP is never split). May return `''`.
 *
 * @example
 * isoText('  Amina\n  Okafor ', 140); // "Amina Okafor"
 * isoText('x'.repeat(200), 140).length; // 140
 */
export function isoText(text: string, maxChars: number): string {
  const clean = text.replace(NOT_XML, ' ').replace(WHITESPACE_RUN, ' ').trim();
  const chars = Array.from(clean);
  return chars.length <= maxChars ? clean : chars.slice(0, maxChars).join('').trimEnd();
}
