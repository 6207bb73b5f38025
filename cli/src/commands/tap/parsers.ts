import { InvalidArgumentError } from 'commander';

/**
 * Commander parser for positive integers.
 *
 * @example
 * ```ts
 * command.option('--ttl <seconds>', 'lifetime', positiveInt);
 * ```
 */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
