/**
 * Kubernetes resource quantities (`100m`, `1Gi`, `1.5`, `1e3`): parsing, exact decimal arithmetic and the canonical
 * string form that apimachinery serialises, so `1000m` is stored as `1`, `0.5` as `500m` and `1.5Gi` as `1536Mi`.
 *
 * A quantity is kept as an exact decimal (bigint × 10^scale) with the format its suffix implied: DecimalSI (`k`, `M`,
 * `m`, none), BinarySI (`Ki`, `Mi`, …) or DecimalExponent (`e3`). Like upstream, parsing rounds values finer than
 * one nano up to `1n`, and the canonical form never loses precision: a binary quantity that is not a whole number
 * of bytes, or is under 1024, falls back to DecimalSI.
 */

/** The three serialisation formats. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** Upstream's message for a string that is not shaped like a quantity. */
export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** Upstream's message for an unknown suffix. */
export const QUANTITY_SUFFIX_MESSAGE = "unable to parse quantity's suffix";
/** Upstream's message for a bad numeric part. */
export const QUANTITY_NUMERIC_MESSAGE = "unable to parse quantity's numeric part";

/** Raised by parseQuantity; `message` is upstream's text. */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIX).map(([s, e]) => [e, s]));
const BIN_BY_EXP = new Map(Object.entries(BIN_SUFFIX).map(([s, e]) => [e, s]));

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** An exact quantity. Immutable; arithmetic returns new values. */
export class Quantity {
  private constructor(
    /** value = unscaled × 10^scale */
    private readonly unscaled: bigint,
    private readonly scale: number,
    /** The format used when serialising. */
    readonly format: QuantityFormat,
  ) {}

  /** A quantity from an exact decimal `unscaled × 10^scale`. */
  static fromDecimal(unscaled: bigint, scale: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(unscaled, scale, format);
  }

  /** A whole number (`resource.NewQuantity`). */
  static fromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  /** A number of thousandths (`resource.NewMilliQuantity`): `fromMilli(500)` is `500m`. */
  static fromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(milli), -3, format);
  }

  /** Zero. */
  static zero(): Quantity {
    return new Quantity(0n, 0, 'DecimalSI');
  }

  /** -1, 0 or 1. */
  sign(): number {
    return this.unscaled < 0n ? -1 : this.unscaled > 0n ? 1 : 0;
  }

  /** True for zero. */
  isZero(): boolean {
    return this.unscaled === 0n;
  }

  private alignedWith(o: Quantity): [bigint, bigint, number] {
    const s = Math.min(this.scale, o.scale);
    return [this.unscaled * pow10(this.scale - s), o.unscaled * pow10(o.scale - s), s];
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `o`. */
  cmp(o: Quantity): number {
    const [a, b] = this.alignedWith(o);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** True if both denote the same amount (formats may differ). */
  equals(o: Quantity): boolean {
    return this.cmp(o) === 0;
  }

  /** this + o, keeping this quantity's format (or `o`'s when this is zero, as upstream does). */
  add(o: Quantity): Quantity {
    const [a, b, s] = this.alignedWith(o);
    return new Quantity(a + b, s, this.isZero() ? o.format : this.format);
  }

  /** this − o. */
  sub(o: Quantity): Quantity {
    const [a, b, s] = this.alignedWith(o);
    return new Quantity(a - b, s, this.isZero() ? o.format : this.format);
  }

  /** −this. */
  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  /** The value scaled to 10^scale units, rounded away from zero (`scaledValue(-3)` is milli-units). */
  scaledValueBig(scale: number): bigint {
    const d = this.scale - scale;
    if (d >= 0) return this.unscaled * pow10(d);
    const div = pow10(-d);
    const q = this.unscaled / div;
    return this.unscaled % div === 0n ? q : q + (this.unscaled < 0n ? -1n : 1n);
  }

  /** The whole value, rounded away from zero (`Quantity.Value()`): `1500m` → 2. */
  value(): number {
    return Number(this.scaledValueBig(0));
  }

  /** The value in thousandths, rounded away from zero (`MilliValue()`): `0.1` → 100, `1Gi` → 1073741824000. */
  milliValue(): number {
    return Number(this.scaledValueBig(-3));
  }

  /** The whole value as a bigint, rounded away from zero. */
  valueBig(): bigint {
    return this.scaledValueBig(0);
  }

  /** An approximate float (for ratios and display). */
  asFloat(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  /** The same amount in another format. */
  withFormat(format: QuantityFormat): Quantity {
    return new Quantity(this.unscaled, this.scale, format);
  }

  /** The canonical string form, as apimachinery serialises it. */
  toString(): string {
    if (this.unscaled === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const whole = this.scale >= 0 || this.unscaled % pow10(-this.scale) === 0n;
      const v = this.scaledValueBig(0);
      // Small or fractional binary amounts would need rounding in base 1024, so they are shown in decimal.
      if (!whole || (v > -1024n && v < 1024n)) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let v = this.scaledValueBig(0);
      let exp = 0;
      while (exp < 60 && v % 1024n === 0n) {
        v /= 1024n;
        exp += 10;
      }
      return `${v}${BIN_BY_EXP.get(exp) ?? ''}`;
    }
    // Decimal: strip factors of ten, then bring the exponent down to a multiple of three.
    let m = this.unscaled;
    let e = this.scale;
    while (m % TEN === 0n) {
      m /= TEN;
      e++;
    }
    while (e % 3 !== 0) {
      m *= TEN;
      e--;
    }
    if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
    if (e > 18) {
      m *= pow10(e - 18);
      e = 18;
    }
    return `${m}${DEC_BY_EXP.get(e) ?? ''}`;
  }

  /** Serialises as the canonical string. */
  toJSON(): string {
    return this.toString();
  }
}

/** Parses a quantity string. Throws QuantityError with upstream's messages. */
export function parseQuantity(str: string): Quantity {
  if (typeof str !== 'string' || str.length === 0) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  if (str === '0') return Quantity.zero();
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(str);
  if (!m) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  const [, signText, intPart, fracPart = '', suffix] = m;
  // The suffix is letters from the suffix alphabet, then an optional signed integer (the exponent form).
  if (!/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) throw new QuantityError(QUANTITY_FORMAT_MESSAGE);
  let base: 10 | 2;
  let exponent: number;
  let format: QuantityFormat;
  if (suffix in DEC_SUFFIX) {
    base = 10; exponent = DEC_SUFFIX[suffix]; format = 'DecimalSI';
  } else if (suffix in BIN_SUFFIX) {
    base = 2; exponent = BIN_SUFFIX[suffix]; format = 'BinarySI';
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    base = 10; exponent = Number(suffix.slice(1)); format = 'DecimalExponent';
    if (!Number.isSafeInteger(exponent)) throw new QuantityError(QUANTITY_SUFFIX_MESSAGE);
  } else {
    throw new QuantityError(QUANTITY_SUFFIX_MESSAGE);
  }
  if (intPart === '' && fracPart === '' && str.includes('.')) throw new QuantityError(QUANTITY_NUMERIC_MESSAGE);
  let unscaled = BigInt((intPart || '0') + fracPart);
  let scale = -fracPart.length;
  if (base === 10) scale += exponent;
  else unscaled *= 2n ** BigInt(exponent);
  // Round magnitudes finer than 1n up to 1n: asking for a tiny amount of a resource should still get some.
  if (scale < -9 && unscaled !== 0n) {
    const div = pow10(-9 - scale);
    const q = unscaled / div;
    unscaled = unscaled % div === 0n ? q : q + 1n;
    scale = -9;
  }
  if (format === 'BinarySI' && unscaled !== 0n && scale < 0 && abs(unscaled) < pow10(-scale)) {
    // Below one: binary suffixes cannot show it, so it is decimal from the start.
    format = 'DecimalSI';
  }
  if (signText === '-') unscaled = -unscaled;
  return Quantity.fromDecimal(unscaled, scale, format);
}

/** Parses, returning undefined instead of throwing. */
export function tryParseQuantity(str: unknown): Quantity | undefined {
  if (typeof str === 'number' && Number.isFinite(str)) str = String(str);
  if (typeof str !== 'string') return undefined;
  try {
    return parseQuantity(str);
  } catch {
    return undefined;
  }
}

/** The canonical form of a quantity string (`"1000m"` → `"1"`); throws QuantityError if invalid. */
export function canonicalQuantity(str: string): string {
  return parseQuantity(str).toString();
}
