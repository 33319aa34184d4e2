import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BSON, Timestamp } from 'mongodb';
import { Compression } from '../../src/codec/compression.js';
import { encodeBlob } from '../../src/codec/envelope.js';
import { BlobKey, Keyring } from '../../src/codec/keys.js';
import { ChecksumMismatch, WrongKey } from '../../src/errors/domain-errors.js';
import { decodeRaw } from '../../src/lib/bson.js';
import { openSlice, readSlice } from '../../src/slice/read-slice.js';
import { SliceWriter, type SealedSlice } from '../../src/slice/slice-writer.js';
import { everyTypeDocument, oplogEntry, tsAt } from './bson-samples.js';

const key = new BlobKey(randomBytes(32), 'slices-test');
const collectionStream = {
  kind: 'collection',
  jobId: 'job-a',
  syncNumber: 1,
  ns: 'shop.orders',
  rangeIndex: 2,
} as const;
const docs = Array.from({ length: 50 }, (_, n) => BSON.serialize(everyTypeDocument(n)));

function writeAll(
  documents: Uint8Array[],
  opts: Partial<ConstructorParameters<typeof SliceWriter>[0]> = {},
): SealedSlice {
  const writer = new SliceWriter({ stream: collectionStream, ...opts });
  for (const doc of documents) assert.equal(writer.add(doc), undefined);
  return writer.close()!;
}

function flip(bytes: Buffer, at: number): Buffer {
  const bad = Buffer.from(bytes);
  bad[at] = bad[at]! ^ 0x10;
  return bad;
}

describe('slice round trip', () => {
  for (const compression of Compression.options) {
    for (const sealed of [false, true]) {
      it(`returns every BSON type byte for byte (${compression}, ${sealed ? 'encrypted' : 'in clear'})`, () => {
        const slice = writeAll(docs, { compression, key: sealed ? key : undefined });
        const { meta, documents } = readSlice(slice.bytes, new Keyring([key]), { name: slice.key });
        assert.equal(documents.length, docs.length);
        documents.forEach((doc, n) => assert.ok(Buffer.from(doc).equals(docs[n]!), `document ${n} changed`));
        assert.deepEqual(decodeRaw(documents[7]!), decodeRaw(docs[7]!));
        assert.deepEqual(meta, slice.meta);
        assert.equal(meta.keyId, sealed ? 'slices-test' : undefined);
      });
    }
  }

  it('keeps the types exactly: a double 1.0 stays a double, a regex stays a BSON regex', () => {
    const [doc] = readSlice(writeAll(docs.slice(0, 1)).bytes).documents;
    const back = decodeRaw(doc!);
    assert.equal(back.double._bsontype, 'Double');
    assert.equal(back.int32._bsontype, 'Int32');
    assert.equal(back.long._bsontype, 'Long');
    assert.equal(back.uuid.sub_type, 4);
    assert.equal(back.regex._bsontype, 'BSONRegExp');
    assert.equal(back.codeWithScope.scope.x._bsontype, 'Int32');
  });

  it('records the header of an oplog slice: count, size, first and last ts', () => {
    const entries = [tsAt(100, 1), tsAt(100, 2), tsAt(101, 1)].map((ts) =>
      oplogEntry(ts, everyTypeDocument(ts.i)),
    );
    const writer = new SliceWriter({ stream: { kind: 'oplog', jobId: 'job-a', prevTs: tsAt(99, 9) } });
    entries.forEach((e) => writer.add(e));
    const { meta } = readSlice(writer.close()!.bytes);
    assert.equal(meta.kind, 'oplog');
    if (meta.kind !== 'oplog') return;
    assert.ok(meta.firstTs instanceof Timestamp && meta.firstTs.equals(tsAt(100, 1)));
    assert.ok(meta.lastTs.equals(tsAt(101, 1)) && meta.prevTs.equals(tsAt(99, 9)));
    assert.equal(meta.count, 3);
    assert.equal(
      meta.bytes,
      entries.reduce((a, e) => a + e.length, 0),
    );
  });

  it('iterates documents as views of one decoded buffer, without a copy per document', () => {
    const slice = openSlice(writeAll(docs).bytes);
    const [a, b] = [...slice.documents()];
    assert.equal(a!.buffer, b!.buffer);
    assert.equal(b!.byteOffset, a!.byteOffset + a!.length);
  });
});

describe('slice verification', () => {
  it('catches a flipped byte anywhere with ChecksumMismatch naming the slice', () => {
    for (const compression of Compression.options) {
      for (const sealed of [undefined, key]) {
        const slice = writeAll(docs, { compression, key: sealed });
        for (const at of [0, 9, slice.bytes.length >> 2, slice.bytes.length >> 1, slice.bytes.length - 1]) {
          assert.throws(
            () => readSlice(flip(slice.bytes, at), new Keyring([key]), { name: slice.key }),
            (e: unknown) => e instanceof ChecksumMismatch && e.message.includes(slice.key),
            `${compression}${sealed ? ' encrypted' : ''}: byte ${at}`,
          );
        }
      }
    }
  });

  it('refuses stored bytes whose sha-256 differs from the recorded one', () => {
    const slice = writeAll(docs.slice(0, 3));
    assert.equal(readSlice(slice.bytes, undefined, { sha256: slice.meta.sha256 }).documents.length, 3);
    const other = writeAll(docs.slice(0, 4));
    assert.throws(
      () => readSlice(other.bytes, undefined, { sha256: slice.meta.sha256, name: 'x' }),
      /slice 'x'.*recorded/,
    );
  });

  it('cannot be read without the key it was written with (WrongKey)', () => {
    const slice = writeAll(docs, { key });
    assert.throws(
      () => readSlice(slice.bytes),
      (e: unknown) => e instanceof WrongKey && e.message.includes("'slices-test'"),
    );
    assert.throws(
      () => readSlice(slice.bytes, new Keyring([new BlobKey(randomBytes(32), 'slices-test')])),
      WrongKey,
    );
  });

  it('refuses a blob that is not a slice', () => {
    assert.throws(
      () => readSlice(encodeBlob(Buffer.from('just a chunk'), { compression: 'zstd' })),
      /not a slice/,
    );
  });
});
