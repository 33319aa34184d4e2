/**
 * The gear table of the FastCDC rolling hash: 256 fixed pseudo-random 32-bit words, one per byte value.
 * Derived from SHA-256 of a versioned seed so it is reproducible and reviewable. It must never change:
 * a different table moves every chunk boundary, and snapshots taken before and after would share no chunk.
 */
import { createHash } from 'node:crypto';

const SEED = 'headwater/fastcdc/gear/v1';

function buildGear(): Int32Array {
  const table = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    table[b] = createHash('sha256').update(`${SEED}/${b}`).digest().readInt32LE(0);
  }
  return table;
}

/** GEAR[b] is added to the shifted hash for each byte b. */
export const GEAR: Int32Array = buildGear();
