/**
 * Reads that decide what a backup holds ask the source for `readConcern: majority`, through the sync's
 * member choice. FerretDB has one member and no rollback, so this checks what each read sends (command
 * monitoring on the real source), not its effect on a replica set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { tailOplog } from '../../src/oplog/tail.js';
import { copyRange } from '../../src/source/copy-range.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { SourceReadPreference, sourceReads } from '../../src/source/read-options.js';
import { services, uniqueName } from '../harness/services.js';

describe('source reads: majority read concern and the member choice', () => {
  let source: MongoClient;
  const sent: CommandStartedEvent[] = [];
  const db = uniqueName('hw_reads');
  const pref = SourceReadPreference.parse({ mode: 'secondaryPreferred', tags: [{ dc: 'east' }, {}] });

  before(async () => {
    source = new MongoClient(services.source.uri, { monitorCommands: true });
    source.on('commandStarted', (e) => sent.push(e));
    await source.db(db).collection('c').insertMany([{ _id: 1 as never }, { _id: 2 as never }]);
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await source.close();
  });

  /** The find commands sent on `coll` since `from`, as the server saw them. */
  const finds = (coll: string, from: number): Document[] =>
    sent.slice(from).filter((e) => e.commandName === 'find' && e.command.find === coll).map((e) => e.command);
  const majority = (c: Document) => (c.readConcern as Document | undefined)?.level === 'majority';

  it('reads T0 as the newest majority-committed entry', async () => {
    const from = sent.length;
    await latestOplogTs(source);
    const [find] = finds('oplog.rs', from);
    assert.ok(find !== undefined && majority(find), JSON.stringify(find?.readConcern));
  });

  it('copies with majority through the chosen member and tag sets', async () => {
    const from = sent.length;
    const res = await copyRange({ client: source, ns: `${db}.c`, range: {}, sliceMaxBytes: 1 << 20, readPreference: sourceReads(pref).readPreference, writeSlice: async () => undefined });
    assert.equal(res.docs, 2);
    const [find] = finds('c', from);
    assert.ok(find !== undefined && majority(find));
    assert.deepEqual(sent.slice(from).find((e) => e.commandName === 'find')?.command.$readPreference, { mode: 'secondaryPreferred', tags: [{ dc: 'east' }, {}] });
  });

  it('tails the oplog with majority through the chosen member', async () => {
    const afterTs = await latestOplogTs(source);
    const from = sent.length;
    await tailOplog({ client: source, afterTs, deadline: Date.now() + 300, graceMs: 0, sliceMaxBytes: 1 << 20, sliceMaxAgeMs: 100, reads: sourceReads(pref), writeSlice: async () => undefined });
    const tailFind = sent.slice(from).find((e) => e.commandName === 'find' && e.command.tailable === true);
    assert.ok(tailFind !== undefined && majority(tailFind.command), JSON.stringify(tailFind?.command));
    assert.equal((tailFind.command.$readPreference as Document | undefined)?.mode, 'secondaryPreferred');
  });

  it('refuses tag sets with the primary mode, and defaults to the primary', () => {
    assert.equal(SourceReadPreference.safeParse({ mode: 'primary', tags: [{ dc: 'east' }] }).success, false);
    assert.equal(SourceReadPreference.parse({}).mode, 'primary');
    assert.equal(sourceReads().readPreference?.mode, 'primary');
  });

  it('reads the primary when the sync names no member, whatever the connection prefers', async () => {
    // The worker's connections default to secondaryPreferred (config/schema.ts): that must not reach T0
    // or the copy, which could then read two secondaries at different points.
    const lenient = new MongoClient(services.source.uri, { monitorCommands: true, readPreference: 'secondaryPreferred' });
    const seen: Document[] = [];
    lenient.on('commandStarted', (e) => e.commandName === 'find' && seen.push(e.command));
    try {
      await latestOplogTs(lenient);
      await copyRange({ client: lenient, ns: `${db}.c`, range: {}, sliceMaxBytes: 1 << 20, readPreference: sourceReads().readPreference, writeSlice: async () => undefined });
      assert.equal(seen.length, 2);
      for (const find of seen) assert.notEqual((find.$readPreference as Document | undefined)?.mode, 'secondaryPreferred', JSON.stringify(find));
    } finally {
      await lenient.close();
    }
  });
});
