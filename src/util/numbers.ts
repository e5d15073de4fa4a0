/** A plain decimal number: sign, digits, optional fraction and exponent. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The value of a decimal number written as text, or undefined. JavaScript's Number() also takes hex
 * (0x5F), octal and binary literals, "Infinity" and the empty string (0): a data file or a flag holding
 * those is far more likely a mistake than meant, so they are not numbers here.
 */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : undefined;
}

/** A whole number written in decimal digits with an optional sign ("12", "-3"; not "12.0", "1e1" or "0x10"). */
const INTEGER = /^[+-]?\d+$/;

/** The value of an integer written in decimal digits, or undefined (also beyond 2^53, where integers stop being exact). */
export function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!INTEGER.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}
