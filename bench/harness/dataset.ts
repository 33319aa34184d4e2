/**
 * Generates a benchmark dataset into the source: four collections of mixed document sizes (small records,
 * medium orders, a mix of events, large blobs), every BSON type FerretDB stores, inserted in large unordered
 * batches with several batches in flight, so generation does not dominate a benchmark's wall time.
 */
import { randomBytes } from 'node:crypto';
import { Binary, BSON, BSONRegExp, Double, Int32, Long, ObjectId, Timestamp, type Document, type MongoClient } from 'mongodb';

/** Collections and the share of the dataset's bytes each one holds, with its documents' padding sizes. */
const LAYOUT = [
  { coll: 'users', share: 0.2, pads: [60, 200] },
  { coll: 'orders', share: 0.3, pads: [800, 2_000] },
  { coll: 'events', share: 0.3, pads: [100, 1_500, 6_000] },
  { coll: 'blobs', share: 0.2, pads: [30_000, 60_000] },
] as const;

// Text of printable bytes, sliced rather than generated per document: random enough to defeat trivial
// compression, cheap enough that a generator thread can outrun the server.
const TEXT = randomBytes(256 * 1024).toString('base64');

export function benchDoc(i: number, pad: number): Document {
  const at = (i * 7919) % (TEXT.length - pad - 1);
  return {
    _id: new ObjectId(),
    n: new Int32(i),
    big: Long.fromNumber(i * 1_000_003),
    score: new Double(i + 0.5),
    name: `doc-${i}`,
    active: i % 2 === 0,
    at: new Date(1_700_000_000_000 + i * 1000),
    nothing: null,
    re: new BSONRegExp(`^k${i % 10}`, 'i'),
    ts: new Timestamp({ t: 1_700_000_000 + i, i: 1 }),
    bin: new Binary(Buffer.from(TEXT.slice(at, at + 16))),
    nested: { tags: ['a', 'b', i % 7], level: { deep: [new Int32(1), 'two', { three: new Double(3.5) }] } },
    body: TEXT.slice(at, at + pad),
  };
}

export interface GeneratedDataset {
  db: string;
  collections: string[];
  docs: number;
  /** Sum of the documents' BSON sizes. */
  bytes: number;
  seconds: number;
}

export async function generateDataset(client: MongoClient, db: string, targetBytes: number, opts: { inFlight?: number } = {}): Promise<GeneratedDataset> {
  const started = performance.now();
  const inFlight = opts.inFlight ?? 4;
  let docs = 0;
  let bytes = 0;
  for (const { coll, share, pads } of LAYOUT) {
    const target = targetBytes * share;
    const c = client.db(db).collection(coll);
    let made = 0;
    let i = 0;
    const batches = function* (): Generator<Document[]> {
      while (made < target) {
        const batch: Document[] = [];
        let batchBytes = 0;
        while (batchBytes < 4 * 1024 * 1024 && batch.length < 2_000 && made < target) {
          const doc = benchDoc(i, pads[i % pads.length]!);
          const size = BSON.calculateObjectSize(doc);
          i += 1;
          made += size;
          batchBytes += size;
          batch.push(doc);
        }
        docs += batch.length;
        bytes += batchBytes;
        yield batch;
      }
    };
    const it = batches();
    const lane = async () => {
      for (let next = it.next(); !next.done; next = it.next()) await c.insertMany(next.value, { ordered: false });
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  }
  return { db, collections: LAYOUT.map((l) => l.coll), docs, bytes, seconds: (performance.now() - started) / 1000 };
}
