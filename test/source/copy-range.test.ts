import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MongoClient } from 'mongodb';
import { copyRange, type CopyResume } from '../../src/source/copy-range.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { mongoClient, uniqueName } from '../harness/services.js';

const SLICE_BYTES = 64 * 1024;

describe('copying an _id range into slices (the real source)', () => {
  let source: MongoClient;
  const db = uniqueName('hw_copy');
  const ns = `${db}.c`;
  const total = 2_000;

  before(async () => {
    source = mongoClient('source');
    await source.db(db).collection('c').insertMany(Array.from({ length: total }, (_, i) => ({ _id: i, pad: 'p'.repeat(200 + (i % 300)) })) as never);
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await source.close();
  });

  /** A slice writer that records what it got, checks writes never overlap, and can fail at one seq. */
  function recorder(failAt?: number) {
    const slices: { seq: number; ids: number[]; bytes: number }[] = [];
    let inFlight = 0;
    const writeSlice = async (docs: Uint8Array[], seq: number) => {
      inFlight += 1;
      assert.equal(inFlight, 1, 'one slice write at a time');
      await new Promise((r) => setTimeout(r, 5)); // let the cursor run ahead meanwhile
      inFlight -= 1;
      if (seq === failAt) throw new Error(`disk full at slice ${seq}`);
      slices.push({ seq, ids: docs.map((d) => Number(decodeRaw(d)._id)), bytes: docs.reduce((n, d) => n + d.length, 0) });
    };
    return { slices, writeSlice };
  }

  it('writes every document once, in _id order, in bounded slices, reporting each durable slice', async () => {
    const rec = recorder();
    const progress: CopyResume[] = [];
    const end = await copyRange({ client: source, ns, range: {}, sliceMaxBytes: SLICE_BYTES, writeSlice: rec.writeSlice, onProgress: (p) => progress.push(p) });
    assert.ok(rec.slices.length >= 10, `${rec.slices.length} slices`);
    assert.deepEqual(rec.slices.map((s) => s.seq), rec.slices.map((_, k) => k));
    assert.deepEqual(rec.slices.flatMap((s) => s.ids), Array.from({ length: total }, (_, i) => i));
    assert.ok(rec.slices.every((s) => s.bytes <= SLICE_BYTES));
    assert.deepEqual(progress.map((p) => [p.seq, Number(p.lastId)]), rec.slices.map((s) => [s.seq + 1, s.ids.at(-1)]), 'progress follows durable slices');
    assert.deepEqual(end, { ...progress.at(-1)!, docs: total, bytes: end.bytes });
  });

  it('after a failed write, resumes from the last durable slice: nothing missing, nothing twice', async () => {
    const first = recorder(4);
    let last: CopyResume | undefined;
    await assert.rejects(
      copyRange({ client: source, ns, range: {}, sliceMaxBytes: SLICE_BYTES, writeSlice: first.writeSlice, onProgress: (p) => (last = p) }),
      /disk full at slice 4/,
    );
    assert.equal(last?.seq, 4, 'the resume point stops before the failed slice');
    assert.equal(Number(last?.lastId), first.slices.at(-1)!.ids.at(-1));
    const second = recorder();
    const end = await copyRange({ client: source, ns, range: {}, resume: last, sliceMaxBytes: SLICE_BYTES, writeSlice: second.writeSlice });
    assert.equal(second.slices[0]!.seq, 4);
    assert.deepEqual([...first.slices, ...second.slices].flatMap((s) => s.ids), Array.from({ length: total }, (_, i) => i));
    assert.equal(end.docs, total);
  });

  it('copies only its range: [min, max)', async () => {
    const rec = recorder();
    await copyRange({ client: source, ns, range: { min: 500, max: 700 }, sliceMaxBytes: SLICE_BYTES, writeSlice: rec.writeSlice });
    assert.deepEqual(rec.slices.flatMap((s) => s.ids), Array.from({ length: 200 }, (_, i) => 500 + i));
  });
});
