import { InvalidArgumentError } from 'commander';

/** A commander argument parser for integers >= min (commander turns the error into one line and exit 1). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}
