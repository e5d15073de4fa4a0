import { InvalidArgumentError } from 'commander';
import { parseDecimal, parseInteger } from '../util/numbers.ts';

/**
 * Every numeric flag is parsed here, strictly in decimal (util/numbers.ts): JavaScript's Number() would
 * also read "0x10" as 16, "1e1" as 10, "" as 0 and "Infinity", none of which a user means for a count.
 * Commander turns the error into one line and exit 1.
 */

/** A commander argument parser for integers >= min written in decimal digits. */
export function integerAtLeast(min: number): (value: string) => number {
  return integerBetween(min, Number.MAX_SAFE_INTEGER);
}

/** A commander argument parser for integers from min to max, written in decimal digits. */
export function integerBetween(min: number, max: number): (value: string) => number {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (value) => {
    const n = parseInteger(value);
    if (n === undefined || n < min || n > max) throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    return n;
  };
}

/**
 * The longest wait Node's timers take (2^31 - 1 ms, about 24.8 days): setTimeout and setInterval run a
 * longer delay after 1 ms instead, with only a warning, so a flag beyond it is refused.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A commander argument parser for a delay in milliseconds, from min to what Node's timers take. */
export function millisecondsAtLeast(min: number): (value: string) => number {
  return integerBetween(min, MAX_TIMER_MS);
}

/** A commander argument parser for finite numbers > 0 written in decimal. */
export function positiveNumber(value: string): number {
  const n = parseDecimal(value);
  if (n === undefined || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got "${value}"`);
  return n;
}

/** A commander argument parser for a fraction from 0 up to, not including, 1 (--holdout: 0 turns the split off). */
export function fractionBelowOne(value: string): number {
  const n = parseDecimal(value);
  if (n === undefined || n < 0 || n >= 1) throw new InvalidArgumentError(`expected a fraction from 0 (none) to below 1, e.g. 0.3, got "${value}"`);
  return n;
}

/**
 * A commander argument parser for a file or folder flag: an empty value is refused (`--out ""` once
 * meant the current folder, silently), as is one of spaces only.
 */
export function nonEmptyPath(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a path, got an empty value');
  return value;
}
