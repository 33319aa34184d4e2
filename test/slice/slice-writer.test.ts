import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON } from 'mongodb';
import { InvalidConfig, UnknownOplogEntry } from '../../src/errors/domain-errors.js';
import { readSlice } from '../../src/slice/read-slice.js';
import { SliceWriter, type SealedSlice } from '../../src/slice/slice-writer.js';
import { oplogEntry, tsAt } from './bson-samples.js';

const collection = { kind: 'collection', jobId: 'job-b', syncNumber: 3, ns: 'shop.orders' } as const;
const oplog = { kind: 'oplog', jobId: 'job-b', prevTs: tsAt(10, 0) } as const;
/** A document of exactly `bytes` bytes. */
const docOf = (bytes: number, n = 0) => {
  const doc = BSON.serialize({ n, pad: 'x'.repeat(bytes - 22) });
  assert.equal(doc.length, bytes);
  return doc;
};

function feed(writer: SliceWriter, docs: Uint8Array[]): SealedSlice[] {
  const out = docs.map((d) => writer.add(d)).filter((s): s is SealedSlice => s !== undefined);
  const last = writer.close();
  return last === undefined ? out : [...out, last];
}

describe('slice writer cut rules', () => {
  it('cuts before the document that would take a slice past maxBytes', () => {
    const writer = new SliceWriter({ stream: collection, maxBytes: 4096 });
    const slices = feed(
      writer,
      Array.from({ length: 10 }, (_, n) => docOf(1000, n)),
    );
    assert.deepEqual(
      slices.map((s) => s.meta.count),
      [4, 4, 2],
    );
    assert.deepEqual(
      slices.map((s) => s.meta.bytes),
      [4000, 4000, 2000],
    );
    assert.deepEqual(
      slices.map((s) => s.meta.seq),
      [0, 1, 2],
    );
    for (const s of slices) assert.ok(s.meta.bytes <= 4096);
  });

  it('fills a slice to exactly maxBytes and gives a larger document a slice of its own', () => {
    const writer = new SliceWriter({ stream: collection, maxBytes: 2048, firstSeq: 7 });
    const slices = feed(writer, [docOf(1024), docOf(1024), docOf(5000), docOf(100)]);
    assert.deepEqual(
      slices.map((s) => [s.meta.count, s.meta.bytes, s.meta.seq]),
      [
        [2, 2048, 7],
        [1, 5000, 8],
        [1, 100, 9],
      ],
    );
  });

  it('closes an oplog slice once it is maxAgeMs old, by the clock, not by size', () => {
    let now = 1_000;
    const writer = new SliceWriter({ stream: oplog, maxAgeMs: 1000 }, () => now);
    assert.equal(writer.shouldClose(), false, 'an empty slice never needs closing');
    writer.add(oplogEntry(tsAt(11, 1)));
    now += 600;
    writer.add(oplogEntry(tsAt(11, 2)));
    assert.equal(writer.shouldClose(), false);
    assert.equal(writer.shouldClose(now + 399), false);
    assert.equal(writer.shouldClose(now + 400), true, 'age counts from the first document');
    now += 400;
    const slice = writer.close()!;
    assert.equal(slice.meta.count, 2);
    assert.equal(writer.shouldClose(), false);
    assert.equal(writer.close(), undefined, 'closing an empty slice gives nothing');
  });

  it('never ages collection slices', () => {
    let now = 0;
    const writer = new SliceWriter({ stream: collection, maxAgeMs: 10 }, () => now);
    writer.add(docOf(100));
    now = 1e9;
    assert.equal(writer.shouldClose(), false);
  });

  it('chains oplog slices: each prevTs is the last ts of the slice before', () => {
    const writer = new SliceWriter({ stream: oplog, maxBytes: 1024 });
    const entries = Array.from({ length: 12 }, (_, i) =>
      oplogEntry(tsAt(20, i + 1), { _id: i, pad: 'y'.repeat(200) }),
    );
    const slices = feed(writer, entries).map((s) => readSlice(s.bytes).meta);
    assert.ok(slices.length >= 3);
    let prev = oplog.prevTs;
    for (const m of slices) {
      assert.ok(m.kind === 'oplog');
      assert.ok(m.prevTs.equals(prev), `slice ${m.seq} links to ${m.prevTs.toString()}`);
      assert.ok(m.firstTs.greaterThan(m.prevTs) && !m.lastTs.lessThan(m.firstTs));
      prev = m.lastTs;
    }
    assert.ok(prev.equals(tsAt(20, 12)));
    assert.equal(
      slices.reduce((a, m) => a + m.count, 0),
      12,
    );
  });

  it('names each slice by its stream, range, ts and sequence', () => {
    const [c] = feed(new SliceWriter({ stream: { ...collection, rangeIndex: 4 } }), [docOf(100)]);
    assert.equal(c!.key, 'slices/job-b/sync-3/shop.orders/000004-0000000000.zst');
    const [o] = feed(new SliceWriter({ stream: oplog, compression: 'gzip', firstSeq: 5 }), [
      oplogEntry(tsAt(30, 1)),
      oplogEntry(tsAt(31, 2)),
    ]);
    assert.equal(
      o!.key,
      'slices/job-b/oplog/0000000000030-0000000001-0000000000031-0000000002-0000000005.gz',
    );
  });

  it('refuses an oplog entry without a ts, a partial document, and bad options', () => {
    const writer = new SliceWriter({ stream: oplog });
    assert.throws(() => writer.add(BSON.serialize({ op: 'n', ts: 'not a timestamp' })), UnknownOplogEntry);
    assert.throws(() => writer.add(docOf(100).subarray(0, 50)), TypeError);
    assert.equal(writer.pending.count, 0, 'nothing refused was kept');
    assert.throws(() => new SliceWriter({ stream: { ...collection, ns: 'nodot' } }), InvalidConfig);
    assert.throws(() => new SliceWriter({ stream: collection, maxBytes: 10 }), /maxBytes/);
  });
});
