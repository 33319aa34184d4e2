/**
 * Parsers for the CLI's option values, checked with zod at the boundary: a value the option cannot take
 * is refused (InvalidConfig, exit 2) with one line naming the option, before anything connects, instead
 * of becoming NaN in a workflow id. Pass them to commander: `.option('--n <n>', 'help', wholeNumber('--n'), 1)`.
 */
import { z } from 'zod';
import { InvalidConfig } from '../../errors/domain-errors.js';

const Digits = z.string().regex(/^\s*\d+\s*$/).transform(Number);

/** A parser of a whole number in [min, max] for `option`. */
export function wholeNumber(option: string, range: { min?: number; max?: number } = {}): (value: string) => number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const schema = Digits.pipe(z.number().int().min(min).max(max));
  return (value) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const bounds = range.max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new InvalidConfig(`invalid ${option} '${value}': expected a whole number ${bounds}`);
    }
    return parsed.data;
  };
}

/** The sync number of a job's initial sync: 1, 2, ... */
export const syncNumber = wholeNumber('--sync-number', { min: 1 });
