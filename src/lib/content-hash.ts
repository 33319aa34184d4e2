/**
 * The order-independent content hash of a collection: the sum, modulo 2^256, of the SHA-256 of each
 * document's BSON bytes. Independent of the order documents are read in, but sensitive to a missing,
 * changed or duplicated document (a sum, unlike XOR, does not cancel duplicates). Field order within a
 * document counts, as it does in MongoDB.
 */
import { createHash } from 'node:crypto';

const MOD = 1n << 256n;

export class ContentHash {
  private sum = 0n;
  count = 0;

  /** Adds one document, given as its BSON bytes. */
  add(bson: Uint8Array): this {
    const h = createHash('sha256').update(bson).digest('hex');
    this.sum = (this.sum + BigInt(`0x${h}`)) % MOD;
    this.count += 1;
    return this;
  }

  /** 64 hex digits. */
  digest(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}
