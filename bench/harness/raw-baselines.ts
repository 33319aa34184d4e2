/**
 * Bare baselines for copying: a raw cursor drain of the source (find with raw:true, no processing), and the
 * head's bare bulk-insert rate (insertMany, unordered, batches cut like Headwater's slices). They bound what
 * any copier can reach on this machine, so Headwater's rates are read against them.
 */
import type { MongoClient } from 'mongodb';
import { decodeRaw } from '../../src/lib/bson.js';

export interface Drained {
  /** Per collection, the documents as batches of at most `batchBytes` (kept for the insert baseline). */
  batches: Map<string, Uint8Array[][]>;
  docs: number;
  bytes: number;
  seconds: number;
}

/** One collection's raw documents, in natural order, cut into batches of at most `batchBytes`. */
async function* rawBatches(client: MongoClient, db: string, coll: string, batchBytes: number): AsyncGenerator<{ docs: Uint8Array[]; bytes: number }> {
  let docs: Uint8Array[] = [];
  let bytes = 0;
  for await (const raw of client.db(db).collection(coll).find({}, { raw: true, batchSize: 2000 }) as AsyncIterable<Uint8Array>) {
    if (bytes + raw.length > batchBytes && docs.length > 0) {
      yield { docs, bytes };
      docs = [];
      bytes = 0;
    }
    docs.push(raw);
    bytes += raw.length;
  }
  if (docs.length > 0) yield { docs, bytes };
}

/** Drains every collection with a raw cursor, in parallel; only the drain itself is timed. */
export async function drainRaw(client: MongoClient, db: string, collections: string[], batchBytes: number): Promise<Drained> {
  const batches = new Map<string, Uint8Array[][]>();
  let docs = 0;
  let bytes = 0;
  const started = performance.now();
  await Promise.all(
    collections.map(async (coll) => {
      const out: Uint8Array[][] = [];
      for await (const batch of rawBatches(client, db, coll, batchBytes)) {
        out.push(batch.docs);
        docs += batch.docs.length;
        bytes += batch.bytes;
      }
      batches.set(coll, out);
    }),
  );
  return { batches, docs, bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * Inserts the drained batches into `targetDb` on the head: one insertMany per batch, unordered, with
 * `inFlight` batches at once (Headwater's building inserts one slice at a time, so 1 is the fair cap).
 */
export async function bulkInsert(head: MongoClient, targetDb: string, drained: Drained, inFlight = 1): Promise<{ seconds: number }> {
  const work = [...drained.batches].flatMap(([coll, list]) => list.map((b) => ({ coll, b })));
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    for (let k = next++; k < work.length; k = next++) {
      const { coll, b } = work[k]!;
      await head.db(targetDb).collection(coll).insertMany(b.map(decodeRaw), { ordered: false });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { seconds: (performance.now() - started) / 1000 };
}

/**
 * A bare copy pipeline: every collection drained with a raw cursor, in parallel, while its batches are
 * inserted into `targetDb` on the head as they fill (one insertMany in flight, at most four batches
 * waiting). No slices, no catalog, no workflow: the fastest end-to-end copy these two servers allow on
 * this machine, where the source and the head share its cores.
 */
export async function pipeRaw(source: MongoClient, head: MongoClient, db: string, targetDb: string, collections: string[], batchBytes: number): Promise<{ bytes: number; seconds: number }> {
  const queue: { coll: string; docs: Uint8Array[] }[] = [];
  const waiters: (() => void)[] = [];
  let draining = collections.length;
  let bytes = 0;
  const wake = () => waiters.splice(0).forEach((w) => w());
  const wait = () => new Promise<void>((resolve) => waiters.push(resolve));
  const started = performance.now();
  const drain = async (coll: string) => {
    for await (const batch of rawBatches(source, db, coll, batchBytes)) {
      while (queue.length >= 4) await wait();
      queue.push({ coll, docs: batch.docs });
      bytes += batch.bytes;
      wake();
    }
    draining -= 1;
    wake();
  };
  const insert = async () => {
    for (;;) {
      const next = queue.shift();
      if (next === undefined) {
        if (draining === 0) return;
        await wait();
        continue;
      }
      wake();
      await head.db(targetDb).collection(next.coll).insertMany(next.docs.map(decodeRaw), { ordered: false });
    }
  };
  await Promise.all([...collections.map(drain), insert()]);
  return { bytes, seconds: (performance.now() - started) / 1000 };
}
