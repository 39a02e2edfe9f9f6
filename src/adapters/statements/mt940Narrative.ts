/**
 * What a `:86:` says about the `:61:` before it, read where banks structure it: German banks'
 * `?00`…`?63` subfields (DFÜ-Abkommen, Anlage 3: `?00` booking text, `?20`–`?29` and
 * `?60`–`?63` purpose with SEPA keywords `EREF+`, `SVWZ+`…, `?32`–`?33` the other party's name),
 * and Dutch banks' tags (`/EREF/…//`: ING, Rabobank, ABN AMRO). Anything else is free text.
 */

import { narrativeText } from './statementFields.js';

/** A German structured `:86:`: a three-digit business transaction code, then `?` subfields. */
const GERMAN = /^\d{3}\?/;
const SEPA_KEYWORD = /^(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+/;
const DUTCH_EREF = /\/EREF\/(.+?)(?:\/\/|\/$|$)/;
/** End-to-end ids that say there is none. */
const NO_REFERENCE = new Set(['NOTPROVIDED', 'NONREF', '']);

export interface Mt940Details {
  readonly narrative?: string;
  /** The SEPA end-to-end reference the ordering party gave (the ledger's payment id, for ours). */
  readonly endToEndId?: string;
}

/**
 * The narrative and end-to-end reference of a `:86:` field's lines. Structured fields are joined
 * without line breaks (banks wrap them at a fixed width, mid-word); free text keeps them.
 *
 * @example
 * mt940Details(['166?00GUTSCHRIFT?20EREF+01JD4X…?21SVWZ+Rechnung 4711?32Muster GmbH']);
 * // { narrative: 'GUTSCHRIFT / Rechnung 4711 / Muster GmbH', endToEndId: '01JD4X…' }
 */
export function mt940Details(texts: readonly string[]): Mt940Details {
  const joined = texts.map((text) => text.trim()).join('');
  if (GERMAN.test(joined)) return germanDetails(joined);
  const narrative = narrativeText(texts.map((text) => text.trim()).join('\n'));
  const endToEndId = DUTCH_EREF.exec(joined)?.[1]?.trim();
  return {
    ...(narrative === undefined ? {} : { narrative }),
    ...(endToEndId === undefined || NO_REFERENCE.has(endToEndId) ? {} : { endToEndId }),
  };
}

function germanDetails(joined: string): Mt940Details {
  const subfields = new Map<number, string>();
  const purpose: string[] = [];
  for (const match of joined.matchAll(/\?(\d{2})([^?]*)/g)) {
    const code = Number(match[1]);
    const text = match[2] ?? '';
    subfields.set(code, (subfields.get(code) ?? '') + text);
    if ((code >= 20 && code <= 29) || (code >= 60 && code <= 63)) purpose.push(text);
  }
  const segments = new Map<string, string>();
  let keyword = '';
  for (const text of purpose) {
    const found = SEPA_KEYWORD.exec(text);
    if (found !== null) keyword = found[1] ?? '';
    const value = found === null ? text : text.slice(found[0].length);
    segments.set(keyword, (segments.get(keyword) ?? '') + value);
  }
  const name = `${subfields.get(32) ?? ''}${subfields.get(33) ?? ''}`.trim();
  const said = segments.get('SVWZ') ?? segments.get('') ?? '';
  const narrative = narrativeText(
    [subfields.get(0)?.trim() ?? '', said.trim(), name].filter((part) => part !== '').join(' / '),
  );
  const endToEndId = segments.get('EREF')?.trim();
  return {
    ...(narrative === undefined ? {} : { narrative }),
    ...(endToEndId === undefined || NO_REFERENCE.has(endToEndId) ? {} : { endToEndId }),
  };
}
