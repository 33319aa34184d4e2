/**
 * The writes that spare the applier its reads (document-writes.ts), on the head: whole-document updates
 * are written without a read and never create a document; inserts go out as one insert and a replay of
 * them still converges; a type-only change FerretDB's replace would skip still reaches the head.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BSON, MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { splitWrites } from '../../../src/oplog/apply/document-writes.js';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { services, uniqueName, withService } from '../../harness/services.js';

let i = 0;
const ts = () => new BSON.Timestamp({ t: 1_717_243_300, i: ++i });
const ins = (doc: Document): Document => ({ op: 'i', ns: 'src.items', o: doc, ts: ts() });
/** A whole-document update as MongoDB logs a replacement (no operators in `o`). */
const replace = (doc: Document): Document => ({
  op: 'u',
  ns: 'src.items',
  o: doc,
  o2: { _id: doc._id },
  ts: ts(),
});
/** A whole-document update as FerretDB logs every update: a $set of the whole document, the entry marked with an _id. */
const ferretSet = (doc: Document): Document => ({
  _id: new BSON.ObjectId(),
  op: 'u',
  ns: 'src.items',
  o: { $v: 1, $set: doc },
  o2: { _id: doc._id },
  ts: ts(),
});
const raw = { promoteValues: false, promoteLongs: false } as const;

describe('splitting a kind of write into commands', () => {
  const n = (k: number) => Array.from({ length: k }, (_, x) => x);
  it('sends one command to MongoDB, and up to four of at least 64 statements side by side to FerretDB', () => {
    assert.deepEqual(
      splitWrites(n(1000), { ferretdb: false }).map((c) => c.length),
      [1000],
    );
    assert.deepEqual(splitWrites(n(0), { ferretdb: false }), []);
    assert.deepEqual(
      splitWrites(n(1000), { ferretdb: true }).map((c) => c.length),
      [250, 250, 250, 250],
    );
    assert.deepEqual(
      splitWrites(n(100), { ferretdb: true }).map((c) => c.length),
      [64, 36],
    );
    assert.deepEqual(
      splitWrites(n(5), { ferretdb: true }).map((c) => c.length),
      [5],
    );
    // A failed command runs on at the server: none is long enough to outlast the retry's wait.
    const big = splitWrites(n(3000), { ferretdb: true });
    assert.ok(big.every((c) => c.length <= 256), JSON.stringify(big.map((c) => c.length)));
    assert.equal(big.flat().length, 3000);
  });
});

describe('document writes without reads, on the head', () => {
  let client: MongoClient;
  const commands: string[] = [];
  const dbs: string[] = [];
  let db: string;
  before(async () => {
    client = new MongoClient(services.head.uri, { monitorCommands: true, serverSelectionTimeoutMS: 3000 });
    client.on('commandStarted', (e: CommandStartedEvent) => commands.push(e.commandName));
    await withService('head', () => client.db('admin').command({ ping: 1 }));
  });
  beforeEach(() => {
    db = uniqueName('docwrites');
    dbs.push(db);
  });
  after(async () => {
    for (const d of dbs) await client.db(d).dropDatabase();
    await client.close();
  });

  const applier = () => new OplogApplier(client, { mapNamespace: () => ({ db, coll: 'items' }) });
  const items = () => client.db(db).collection('items');
  /** Applies entries and returns the commands sent (the server-kind probe aside) and the result. */
  async function apply(a: OplogApplier, entries: Document[]) {
    commands.length = 0;
    const result = await a.apply(entries);
    return { trips: commands.filter((c) => c !== 'buildInfo'), result };
  }

  it('replaces documents from whole-document updates without reading them, and reports absent ones missing', async () => {
    await items().insertMany([
      { _id: 1 as never, a: 0, gone: true },
      { _id: 2 as never, a: 0 },
    ]);
    const a = applier();
    const { trips, result } = await apply(a, [
      replace({ _id: 1, a: 1 }),
      ferretSet({ _id: 2, a: 2, b: 'x' }),
      ferretSet({ _id: 2, a: 3, b: 'y' }),
    ]);
    assert.deepEqual(trips, ['update'], 'one write, no read');
    assert.deepEqual(result.missing, []);
    assert.deepEqual(await items().find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: 1 },
      { _id: 2, a: 3, b: 'y' },
    ]);

    const absent = await apply(a, [replace({ _id: 1, a: 4 }), ferretSet({ _id: 404, a: 1 })]);
    assert.deepEqual(absent.result.missing, [{ ns: 'src.items', _id: 404 }]);
    assert.deepEqual(absent.trips, ['update', 'find'], 'a short write is followed by one read');
    assert.equal(
      await items().countDocuments({ _id: 404 } as Document),
      0,
      'an update never creates a document',
    );
    assert.deepEqual(await items().findOne({ _id: 1 } as Document), { _id: 1, a: 4 });
  });

  it('names exactly the absent documents among many replaced side by side', async () => {
    await items().insertMany(Array.from({ length: 300 }, (_, k) => ({ _id: k as never, v: 0 })));
    const entries = [
      ...Array.from({ length: 300 }, (_, k) => ferretSet({ _id: k, v: 1 })),
      replace({ _id: 1000, v: 1 }),
    ];
    entries.splice(150, 0, replace({ _id: 999, v: 1 }));
    const { result } = await apply(applier(), entries);
    assert.deepEqual(
      result.missing.map((m) => m._id as number).sort((x, y) => x - y),
      [999, 1000],
      'the two updates of documents the head lacks',
    );
    assert.equal(await items().countDocuments({ v: 1 }), 300);
    assert.equal(await items().countDocuments(), 300);
  });

  it('sends new documents as one insert, and a replay of the same inserts converges', async () => {
    const entries = [ins({ _id: 'n1', v: 1 }), ins({ _id: 'n2', v: 1 }), replace({ _id: 'n2', v: 2 })];
    const first = await apply(applier(), entries);
    assert.deepEqual(first.trips, ['insert']);
    await items().updateOne({ _id: 'n1' } as Document, { $set: { v: 'changed since' } });
    const again = await apply(applier(), entries);
    assert.deepEqual(again.trips, ['insert', 'update'], 'the duplicates are replaced');
    assert.deepEqual(again.result.missing, []);
    assert.deepEqual(await items().find().sort({ _id: 1 }).toArray(), [
      { _id: 'n1', v: 1 },
      { _id: 'n2', v: 2 },
    ]);
  });

  it('stores a type-only change a whole-document update makes (FerretDB would skip the replace)', async () => {
    await items().insertMany([
      { _id: 1 as never, x: new BSON.Double(3) },
      { _id: 2 as never, x: new BSON.Int32(5) },
    ]);
    const { result } = await apply(applier(), [
      ferretSet({ _id: 1, x: new BSON.Int32(3) }),
      ferretSet({ _id: 2, x: BSON.Long.fromNumber(5) }),
    ]);
    assert.deepEqual(result.missing, []);
    const one = await items().findOne({ _id: 1 } as Document, raw);
    const two = await items().findOne({ _id: 2 } as Document, raw);
    assert.ok(one?.x instanceof BSON.Int32, `int32 stored, got ${BSON.EJSON.stringify(one ?? {})}`);
    assert.ok(two?.x instanceof BSON.Long, `long stored, got ${BSON.EJSON.stringify(two ?? {})}`);
    assert.deepEqual(Object.keys(one ?? {}), ['_id', 'x'], 'no mark left behind');
  });

  it('never leaves a type-only change absent: a retry after a cut inside the rewrite converges', async () => {
    // What a call cut between the rewrite's two replaces leaves: the document with the mark. (A delete
    // then insert cut between left it absent, and the retry's replace-if-present named it missing.)
    await items().insertOne({ _id: 7 as never, x: new BSON.Double(3), __headwater_retype: true });
    const { result } = await apply(applier(), [ferretSet({ _id: 7, x: new BSON.Int32(3) })]);
    assert.deepEqual(result.missing, []);
    const seven = await items().findOne({ _id: 7 } as Document, raw);
    assert.ok(seven?.x instanceof BSON.Int32, `int32 stored, got ${BSON.EJSON.stringify(seven ?? {})}`);
    assert.deepEqual(Object.keys(seven ?? {}), ['_id', 'x']);
  });
});
