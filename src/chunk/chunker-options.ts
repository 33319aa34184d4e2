/**
 * Sizes of content-defined chunks and the masks derived from them. The average is rounded to a power of
 * two (a mask of n bits cuts every 2^n bytes on average); normalization moves the cut-point probability
 * towards the average (FastCDC's NC level: a stricter mask before the average, a looser one after it).
 */
import { z } from 'zod';
import { InvalidConfig } from '../errors/domain-errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bytes hashed before the first testable position, so that every cut depends only on the 32 bytes before it. */
export const WINDOW_BYTES = 32;

export const ChunkerOptions = z
  .object({
    minBytes: z
      .number()
      .int()
      .min(64)
      .default(256 * KiB),
    avgBytes: z
      .number()
      .int()
      .min(256)
      .default(1 * MiB),
    maxBytes: z
      .number()
      .int()
      .max(256 * MiB)
      .default(4 * MiB),
    /** FastCDC normalization level: 0 (plain gear CDC) to 3; 2 is the paper's recommended balance. */
    normalization: z.number().int().min(0).max(3).default(2),
  })
  .refine((o) => o.minBytes < o.avgBytes && o.avgBytes < o.maxBytes, {
    message: 'chunk sizes must satisfy minBytes < avgBytes < maxBytes',
  });
export type ChunkerOptions = z.input<typeof ChunkerOptions>;
export type ChunkerSizes = z.output<typeof ChunkerOptions>;

/** Validates chunker options; invalid sizes fail with `InvalidConfig` naming each problem. */
export function parseChunkerOptions(raw: ChunkerOptions): ChunkerSizes {
  const parsed = ChunkerOptions.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InvalidConfig(`invalid chunker options: ${problems.join('; ')}`);
}

/** Positions are 0-based byte offsets in the chunk; a cut after byte p makes a chunk of p + 1 bytes. */
export interface CutPlan {
  /** First byte hashed (the window before the first testable position). */
  hashFrom: number;
  /** First byte whose hash is tested (chunk of minBytes). */
  testFrom: number;
  /** First byte tested with the loose mask (chunk of avgBytes). */
  looseFrom: number;
  /** The byte that ends a chunk of maxBytes whatever its hash. */
  forcedAt: number;
  /** Mask before the average: more one-bits, so fewer cuts. */
  strictMask: number;
  /** Mask after the average: fewer one-bits, so more cuts. */
  looseMask: number;
}

/** A mask of `ones` one-bits in the high bits of the 32-bit hash, which depend on the widest byte window. */
function highBits(ones: number): number {
  return ones <= 0 ? 0 : (-1 << (32 - ones)) | 0;
}

export function planCuts(sizes: ChunkerSizes): CutPlan {
  const bits = Math.round(Math.log2(sizes.avgBytes));
  const level = sizes.normalization;
  return {
    hashFrom: Math.max(0, sizes.minBytes - WINDOW_BYTES),
    testFrom: sizes.minBytes - 1,
    looseFrom: sizes.avgBytes - 1,
    forcedAt: sizes.maxBytes - 1,
    strictMask: highBits(Math.min(32, bits + level)),
    looseMask: highBits(Math.max(1, bits - level)),
  };
}
