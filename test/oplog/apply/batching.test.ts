import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, Timestamp, type CommandStartedEvent, type Document } from 'mongodb';
import { rawReadOptions } from '../../../src/lib/bson.js';
import { OplogApplier } from '../../../src/oplog/apply/index.js';
import { splitWrites } from '../../../src/oplog/apply/document-writes.js';
import { MongoTarget } from '../../../src/oplog/apply/mongo-target.js';
import { services, uniqueName, withService } from '../../harness/services.js';

/** n inserts, `perDoc` $v:2 updates of each new document, and one update of each of n documents already there. */
function workload(ns: string, n: number, perDoc: number): Document[] {
  const entries: Document[] = [];
  let i = 0;
  const ts = () => new Timestamp({ t: 1_717_243_200, i: ++i });
  for (let k = 0; k < n; k += 1) entries.push({ op: 'i', ns, o: { _id: `new-${k}`, n: 0 }, ts: ts() });
  for (let round = 1; round <= perDoc; round += 1) {
    for (let k = 0; k < n; k += 1)
      entries.push({
        op: 'u',
        ns,
        o: { $v: 2, diff: { u: { n: round } } },
        o2: { _id: `new-${k}` },
        ts: ts(),
      });
  }
  for (let k = 0; k < n; k += 1)
    entries.push({
      op: 'u',
      ns,
      o: { $v: 2, diff: { i: { seen: true } } },
      o2: { _id: `old-${k}` },
      ts: ts(),
    });
  return entries;
}

describe('oplog applier batching on the head', () => {
  let client: MongoClient;
  const commands: string[] = [];
  const dbs: string[] = [];
  before(async () => {
    client = new MongoClient(services.head.uri, { monitorCommands: true, serverSelectionTimeoutMS: 3000 });
    client.on('commandStarted', (e: CommandStartedEvent) => commands.push(e.commandName));
    await withService('head', () => client.db('admin').command({ ping: 1 }));
  });
  after(async () => {
    for (const db of dbs) await client.db(db).dropDatabase();
    await client?.close();
  });

  /** Applies the workload to a fresh database holding n documents; returns the commands sent and the result. */
  async function run(n: number, perDoc: number): Promise<{ trips: string[]; docs: Document[] }> {
    const db = uniqueName('oplogbatch');
    dbs.push(db);
    await client
      .db(db)
      .collection('items')
      .insertMany(Array.from({ length: n }, (_, k) => ({ _id: `old-${k}` as never, n: k })));
    const applier = new OplogApplier(client, { mapNamespace: () => ({ db, coll: 'items' }) });
    commands.length = 0;
    const result = await applier.apply(workload('src.items', n, perDoc));
    const trips = [...commands];
    assert.equal(result.applied, n * (perDoc + 2));
    assert.deepEqual(result.missing, []);
    return { trips, docs: await client.db(db).collection('items').find({}, rawReadOptions).toArray() };
  }

  it('applies 1,000 inserts and 6,000 updates in round trips that do not grow with the operations', async () => {
    const few = await run(1000, 1);
    const many = await run(1000, 5);
    // The round trips depend on the documents touched, never on how many operations touched them.
    // (Sorted: the kinds of write go out side by side, in no fixed order.)
    assert.deepEqual([...many.trips].sort(), [...few.trips].sort());
    const server = await new MongoTarget(client).writeServer();
    // The 1,000 documents already there are read and replaced; the 1,000 new ones are inserted, unread.
    const writes = splitWrites(many.docs.slice(0, 1000), server).length;
    assert.ok(writes >= 1 && writes <= 4, `replace commands: ${writes}`);
    assert.equal(
      many.trips.filter((c) => c === 'find').length,
      1,
      'one read for every document the updates need',
    );
    assert.equal(
      many.trips.filter((c) => c === 'update').length,
      writes,
      `replace commands (FerretDB: ${server.ferretdb})`,
    );
    assert.equal(many.trips.filter((c) => c === 'insert').length, 1, 'one insert of the new documents');
    assert.ok(many.trips.length <= writes + 3, `round trips: ${many.trips.join(', ')}`);
    const byId = new Map(many.docs.map((d) => [d._id as string, d]));
    assert.equal(many.docs.length, 2000);
    assert.equal(byId.get('new-999')?.n?.valueOf(), 5);
    assert.equal(byId.get('old-999')?.seen, true);
  });
});
