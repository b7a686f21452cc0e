/**
 * IntOrString values (`maxSurge: 25%`, `targetPort: http`, `maxUnavailable: 1`): helpers that mirror apimachinery's
 * intstr package, including the percentage scaling used by Deployment, DaemonSet and PodDisruptionBudget math and
 * its error texts.
 */

/** An IntOrString as it appears in JSON: a number or a string. */
export type IntOrString = number | string;

/** True if `v` is a string (a name or a percentage). */
export function isString(v: IntOrString | null | undefined): v is string {
  return typeof v === 'string';
}

/** The integer value (`IntValue()`): the number itself, or a string parsed as an integer (0 if it is not one). */
export function intValue(v: IntOrString | null | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number(v);
  return 0;
}

/** The number and whether it was a percentage; throws with upstream's messages for anything else. */
export function intOrPercentValue(v: IntOrString): { value: number; isPercent: boolean } {
  if (typeof v === 'number') return { value: v, isPercent: false };
  if (typeof v !== 'string') throw new Error('invalid type: neither int nor percentage');
  if (!v.endsWith('%')) throw new Error('invalid type: string is not a percentage');
  const s = v.slice(0, -1);
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return { value: Number(s), isPercent: true };
}

/**
 * An absolute value from an int or a percentage of `total` (`GetScaledValueFromIntOrPercent`): `25%` of 10 is 3
 * rounding up (maxSurge) or 2 rounding down (maxUnavailable). Throws `invalid value for IntOrString: …` for a string
 * that is not a percentage, and `nil value for IntOrString` for a missing value.
 */
export function scaledValue(intOrPercent: IntOrString | null | undefined, total: number, roundUp: boolean): number {
  if (intOrPercent == null) throw new Error('nil value for IntOrString');
  let r: { value: number; isPercent: boolean };
  try {
    r = intOrPercentValue(intOrPercent);
  } catch (e) {
    throw new Error(`invalid value for IntOrString: ${(e as Error).message}`);
  }
  if (!r.isPercent) return r.value;
  const exact = (r.value * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Like scaledValue, but a missing value yields `fallback`. */
export function scaledValueOr(intOrPercent: IntOrString | null | undefined, total: number, roundUp: boolean, fallback: number): number {
  return intOrPercent == null ? fallback : scaledValue(intOrPercent, total, roundUp);
}
