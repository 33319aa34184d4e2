import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { BSONRegExp, Double, Int32, Long, Timestamp } from 'mongodb';
import { ChecksumMismatch, InvalidConfig } from '../../src/errors/domain-errors.js';
import { DocumentSplitter } from '../../src/snapshot/decode-snapshot.js';
import { fromManifestJson, parseManifest, serializeManifest, toManifestJson, type Manifest } from '../../src/snapshot/manifest.js';
import { parseSnapshotRef, stagedManifestKey } from '../../src/snapshot/snapshot-keys.js';
import { encode } from '../../src/lib/bson.js';

function sample(): Manifest {
  return {
    formatVersion: 1,
    jobId: 'job-a',
    syncNumber: 1,
    ts: '1700000000.7',
    createdAt: new Date(0).toISOString(),
    codec: { compression: 'zstd', encryption: 'none', chunkIds: 'sha256' },
    chunker: { minBytes: 1, avgBytes: 2, maxBytes: 3, normalization: 2 },
    collections: [
      {
        ns: 'db.c',
        options: toManifestJson({ capped: true, size: Long.fromNumber(1 << 20), max: new Int32(5) }),
        indexes: [toManifestJson({ v: new Int32(2), key: { a: new Double(1) }, name: 'a_1', partialFilterExpression: { r: new BSONRegExp('^x', 'i') } })],
        count: 2,
        contentHash: 'a'.repeat(64),
        bytes: 30,
        chunks: [{ id: 'b'.repeat(64), bytes: 30 }],
      },
    ],
    totals: { collections: 1, documents: 2, bytes: 30, chunks: 1, newChunks: 1, newStoredBytes: 20 },
  };
}

describe('snapshot manifest', () => {
  it('round-trips, keeping the BSON types of options and index specs', () => {
    const m = sample();
    const back = parseManifest(serializeManifest(m), 'k');
    assert.deepEqual(back, m);
    const options = fromManifestJson(back.collections[0]!.options);
    assert.ok(options.size instanceof Long, 'a long stays a long');
    assert.ok(options.max instanceof Int32);
    const spec = fromManifestJson(back.collections[0]!.indexes[0]!);
    assert.ok(spec.key.a instanceof Double, 'a double key stays a double');
    assert.ok(spec.partialFilterExpression.r instanceof BSONRegExp);
  });

  it('refuses a manifest with a changed byte', () => {
    const bytes = serializeManifest(sample());
    const at = bytes.indexOf('"count":2') + 8;
    bytes[at] = '3'.charCodeAt(0);
    assert.throws(() => parseManifest(bytes, 'manifests/job-a/x.json'), (err) => err instanceof ChecksumMismatch && /manifests\/job-a\/x\.json.*changed/.test(err.message));
  });

  it('refuses a manifest of another format version by name', () => {
    const body = JSON.stringify({ ...sample(), formatVersion: 2 });
    const text = `{"sha256":"${createHash('sha256').update(body).digest('hex')}","manifest":${body}}\n`;
    assert.throws(() => parseManifest(Buffer.from(text), 'm'), /format version 2 is not 1/);
  });

  it('refuses bytes that are not a manifest', () => {
    assert.throws(() => parseManifest(Buffer.from('{"hello":1}'), 'm'), ChecksumMismatch);
  });
});

describe('snapshot ids', () => {
  it('accepts <jobId>/<tsKey> and <jobId>/<seconds>.<increment> for the same snapshot', () => {
    const a = parseSnapshotRef('job-a/0001700000000-0000000007');
    const b = parseSnapshotRef('job-a/1700000000.7');
    assert.equal(a.id, 'job-a/0001700000000-0000000007');
    assert.deepEqual(b, a);
    assert.equal(a.manifestKey, 'manifests/job-a/0001700000000-0000000007.json');
    assert.equal(stagedManifestKey('job-a', new Timestamp({ t: 1_700_000_000, i: 7 })), 'staging/job-a/0001700000000-0000000007.json');
  });

  it('refuses anything else, naming the accepted forms', () => {
    assert.throws(() => parseSnapshotRef('job-a'), (err) => err instanceof InvalidConfig && /<jobId>\/<seconds>\.<increment>/.test(err.message));
  });
});

describe('document splitter', () => {
  it('splits documents that span chunk boundaries, and refuses a truncated end', () => {
    const docs = [encode({ a: 1 }), encode({ b: 'x'.repeat(100) }), encode({ c: [1, 2, 3] })].map((d) => Buffer.from(d));
    const all = Buffer.concat(docs);
    const splitter = new DocumentSplitter('db.c');
    const out = [...splitter.push(all.subarray(0, 7)), ...splitter.push(all.subarray(7, 60)), ...splitter.push(all.subarray(60))];
    splitter.end();
    assert.deepEqual(out.map((b) => b.toString('hex')), docs.map((b) => b.toString('hex')));
    const short = new DocumentSplitter('db.c');
    short.push(all.subarray(0, all.length - 1));
    assert.throws(() => short.end(), /ends inside a document/);
  });
});
