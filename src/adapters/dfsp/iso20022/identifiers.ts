const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/;
/** ISO 9362 BIC (`BICFIDec2014Identifier`): 8 or 11 characters, country in the 5th and 6th. */
const BIC_SHAPE = /^[A-Z0-9]{4}([A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/;
const DIGITS_PER_STEP = 9;
/**
 * ISO 3166-1 alpha-2 country codes, and `XK` (Kosovo, used in BICs). A BIC's country must be one,
 * so that a provider name that happens to have 8 letters (`safarike`) is not taken for a BIC.
 */
// biome-ignore format: a block of codes reads better than one a line
const COUNTRIES: ReadonlySet<string> = new Set((
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ ' +
  'BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM ' +
  'DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS ' +
  'GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
  'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ ' +
  'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM ' +
  'PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV ' +
  'SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
  'VN VU WF WS YE YT ZA ZM ZW XK'
).split(' '));

/**
 * Whether `text` is an IBAN (ISO 13616): an upper-case country code, two check digits and up to
 * 30 upper-case letters or digits, whose ISO 7064 MOD 97-10 check holds. An account number that
 * merely looks like one (`DE12ABC`) is not taken for an IBAN.
 *
 * @example
 * isIban('DE89370400440532013000'); // true
 * isIban('DE00370400440532013000'); // false: check digits wrong
 */
export function isIban(text: string): boolean {
  if (!IBAN_SHAPE.test(text) || !COUNTRIES.has(text.slice(0, 2))) return false;
  const rearranged = text.slice(4) + text.slice(0, 4);
  let digits = '';
  for (const char of rearranged) digits += Number.parseInt(char, 36).toString();
  // Remainder taken piecewise, so no intermediate number passes 2^53.
  let remainder = 0;
  for (let start = 0; start < digits.length; start += DIGITS_PER_STEP) {
    remainder = Number(`${remainder}${digits.slice(start, start + DIGITS_PER_STEP)}`) % 97;
  }
  return remainder === 1;
}

/**
 * Whether `text` is shaped like a BIC: upper case, 8 or 11 characters, a known country code in
 * the 5th and 6th.
 *
 * @example
 * isBic('DEUTDEFF'); // true
 * isBic('SAFARIKE'); // false: RI is no country
 */
export function isBic(text: string): boolean {
  const country = BIC_SHAPE.exec(text)?.[1];
  return country !== undefined && COUNTRIES.has(country);
}
