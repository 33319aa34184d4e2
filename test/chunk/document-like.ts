/**
 * Deterministic, document-like test data for chunking: BSON documents with words, numbers and nested
 * fields drawn from a seeded generator, so it compresses like real collections and every run sees the same bytes.
 */
import { BSON, Double, Int32, ObjectId } from 'mongodb';

const WORDS =
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(
    ' ',
  );

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One serialized document per call to the returned function. */
export function documentSource(seed: number): () => Uint8Array {
  const rnd = seeded(seed);
  const word = () => WORDS[Math.floor(rnd() * WORDS.length)]!;
  let n = 0;
  return () => {
    n += 1;
    const tags = Array.from({ length: 1 + Math.floor(rnd() * 5) }, word);
    return BSON.serialize({
      _id: ObjectId.createFromTime(1_700_000_000 + n),
      n: new Int32(n),
      name: `${word()} ${word()} ${Math.floor(rnd() * 1e6)}`,
      price: new Double(Math.round(rnd() * 100000) / 100),
      tags,
      address: {
        street: `${Math.floor(rnd() * 999)} ${word()} street`,
        zip: String(Math.floor(rnd() * 99999)),
      },
      note: Array.from({ length: Math.floor(rnd() * 30) }, word).join(' '),
    });
  };
}

/** About `bytes` bytes of concatenated documents (whole documents, so slightly more). */
export function documentLikeBytes(bytes: number, seed = 1): Buffer {
  const next = documentSource(seed);
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < bytes) {
    const doc = next();
    parts.push(doc);
    total += doc.length;
  }
  return Buffer.concat(parts);
}
