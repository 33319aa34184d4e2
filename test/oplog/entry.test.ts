import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BSON, Timestamp, type Document } from 'mongodb';
import { UnknownOplogEntry } from '../../src/errors/domain-errors.js';
import { decodeRaw, encode } from '../../src/lib/bson.js';
import {
  commandOf,
  parseOplogEntry,
  quoteEntry,
  updateShape,
  type CommandEntry,
  type UpdateEntry,
} from '../../src/oplog/entry.js';

const ts = new Timestamp({ t: 1_717_243_200, i: 1 });
const ui = new BSON.UUID('5a3c1f0e-8b2d-4e6f-9a1b-2c3d4e5f6a7b');
/** As the applier receives it: encoded by the server, decoded with decodeRaw (no promoted values). */
const raw = (doc: Document) => decodeRaw(encode(doc));

function rejects(doc: Document, why: RegExp): void {
  assert.throws(
    () => parseOplogEntry(raw(doc)),
    (err: unknown) =>
      err instanceof UnknownOplogEntry && why.test(err.message) && err.message.includes('"ns":'),
  );
}

describe('oplog entry', () => {
  it('accepts every field a real entry carries, and returns the document itself', () => {
    const doc = raw({
      lsid: { id: new BSON.UUID(), uid: new BSON.Binary(Buffer.alloc(32)) },
      txnNumber: BSON.Long.fromNumber(3),
      op: 'i',
      ns: 'shop.orders',
      ui,
      o: { _id: 1, n: new BSON.Int32(2) },
      o2: { _id: 1 },
      stmtId: 0,
      ts,
      t: BSON.Long.fromNumber(1),
      h: BSON.Long.fromNumber(0),
      v: BSON.Long.fromNumber(2),
      wall: new Date(),
      prevOpTime: { ts: new Timestamp({ t: 0, i: 0 }), t: BSON.Long.fromNumber(-1) },
      fromMigrate: false,
    });
    assert.equal(parseOplogEntry(doc), doc);
  });

  it('refuses an unknown op, quoting the entry', () =>
    rejects({ op: 'db', ns: 'shop', o: {}, ts }, /unknown op 'db'/));

  it('refuses an unknown command and a malformed known one', () => {
    rejects({ op: 'c', ns: 'shop.$cmd', o: { emptycapped: 'orders' }, ts }, /unknown command 'emptycapped'/);
    rejects(
      { op: 'c', ns: 'shop.$cmd', o: { renameCollection: 'shop.a' }, ts },
      /unexpected 'renameCollection' command/,
    );
  });

  it('refuses a malformed diff at parse time, before anything is applied', () => {
    rejects(
      { op: 'u', ns: 'shop.orders', o: { $v: 2, diff: { sa: { a: true, l: -1 } } }, o2: { _id: 1 }, ts },
      /'l' is not a valid size/,
    );
    rejects(
      { op: 'u', ns: 'shop.orders', o: { $v: 2, diff: { u: { a: 1 }, i: { a: 2 } } }, o2: { _id: 1 }, ts },
      /duplicate field 'a'/,
    );
  });

  it('refuses an update without the _id of its document', () =>
    rejects({ op: 'u', ns: 'shop.orders', o: { $v: 2, diff: { u: { a: 1 } } }, o2: {}, ts }, /_id/));

  it('quotes an entry as EJSON cut to about 500 characters', () => {
    const big = { op: 'i', ns: 'shop.orders', o: { _id: 1, blob: 'x'.repeat(5000) } };
    const quote = quoteEntry(big);
    assert.ok(quote.startsWith('{"op":"i","ns":"shop.orders"'));
    assert.ok(quote.length <= 501, `length ${quote.length}`);
    assert.throws(
      () => parseOplogEntry({ ...big, op: 'q' }),
      (err: Error) => err.message.length < 700 && err.message.includes('{"op":"q"'),
    );
  });

  it('tells the update forms apart, FerretDB whole-document $set included', () => {
    const u = (o: Document, extra: Document = {}) =>
      parseOplogEntry(raw({ op: 'u', ns: 'a.b', o, o2: { _id: 1 }, ts, ...extra })) as UpdateEntry;
    assert.equal(updateShape(u({ $v: 2, diff: { u: { a: 1 } } })), 'v2');
    assert.equal(updateShape(u({ $v: 1, $set: { a: 1 }, $unset: { b: true } })), 'v1');
    assert.equal(updateShape(u({ $set: { a: 1 } })), 'v1');
    assert.equal(updateShape(u({ _id: 1, a: 1 })), 'replace');
    assert.equal(
      updateShape(u({ $v: 1, $set: { _id: 1, a: 1 } }, { _id: new BSON.ObjectId() })),
      'ferretdb-replace',
    );
    // Without FerretDB's own _id on the entry, a $set stays a $set.
    assert.equal(updateShape(u({ $v: 1, $set: { _id: 1, a: 1 } })), 'v1');
  });

  it('reads the command of a c entry', () => {
    const e = parseOplogEntry(
      raw({ op: 'c', ns: 'shop.$cmd', o: { createIndexes: 'orders', v: 2, key: { a: 1 }, name: 'a_1' }, ts }),
    );
    const command = commandOf(e as CommandEntry);
    assert.equal(command.name, 'createIndexes');
  });
});
