/** Decimals a sum is kept to: DecimalNumber (CtrlSum) allows 17. */
const SCALE = 17;

/**
 * A plain decimal string (`10`, `10.5`, `0.00001`) as an integer count of 10^-17, or undefined
 * when it is not one or has more than 17 decimals. Exact, so sums of amounts compare exactly.
 *
 * @example decimalUnits('10.5') === decimalUnits('10.50') // true
 */
export function decimalUnits(text: string): bigint | undefined {
  const match = /^(\d{1,18})(?:\.(\d{1,17}))?$/.exec(text);
  if (match === null) return undefined;
  const [, integer = '0', fraction = ''] = match;
  return BigInt(integer + fraction.padEnd(SCALE, '0'));
}
