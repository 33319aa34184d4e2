/**
 * Reads that decide what a backup holds ask the source for `readConcern: majority`, through the one member
 * the sync chose. FerretDB has one member, no secondary and no rollback, so this checks what each read
 * sends (command monitoring on the real source) and which member is chosen, not the effect on a replica set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, type CommandStartedEvent, type Document } from 'mongodb';
import { tailOplog } from '../../src/oplog/tail.js';
import { copyRange } from '../../src/source/copy-range.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { ConnectionRegistry, memberUri, onMember, splitConnectionRef } from '../../src/config/connections.js';
import { ConnectionConfig } from '../../src/config/schema.js';
import { InvalidConfig, SourceUnreachable } from '../../src/errors/domain-errors.js';
import { createServer, connect, type AddressInfo } from 'node:net';
import { SourceReadPreference, chooseMember, resolveReadPreference, sourceReads } from '../../src/source/read-options.js';
import { services, uniqueName } from '../harness/services.js';

describe('source reads: majority read concern and the member choice', () => {
  let source: MongoClient;
  const sent: CommandStartedEvent[] = [];
  const db = uniqueName('hw_reads');
  const pref = SourceReadPreference.parse({ mode: 'secondaryPreferred', tags: [{ dc: 'east' }, {}] });
  /** The source's one member, as its hello names it. */
  const member = new URL(services.source.uri).host;

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

  it('refuses tag sets with the primary mode; a job that names no member reads a secondary when one is up', () => {
    assert.equal(SourceReadPreference.safeParse({ mode: 'primary', tags: [{ dc: 'east' }] }).success, false);
    assert.equal(SourceReadPreference.parse({}).mode, 'secondaryPreferred');
    assert.deepEqual(resolveReadPreference({}), { mode: 'secondaryPreferred' });
    assert.deepEqual(resolveReadPreference({ readPreference: 'nearest', readTags: [{ dc: 'east' }, {}] }), { mode: 'nearest', tags: [{ dc: 'east' }, {}] });
    assert.throws(() => resolveReadPreference({ readPreference: 'primary', readTags: [{ dc: 'east' }] }), (e: unknown) => e instanceof InvalidConfig && /^invalid read preference: tag sets need a mode other than primary$/.test(e.message));
    assert.throws(() => resolveReadPreference({ readPreference: 'secondry' }), (e: unknown) => e instanceof InvalidConfig && /^invalid read preference: /.test(e.message));
  });

  it('chooses one member by the preference: FerretDB has no secondary, so secondaryPreferred (tags or not) picks the primary', async () => {
    assert.equal(await chooseMember(source, 'source', resolveReadPreference({})), member);
    // MongoDB's rule: secondaryPreferred falls back to the primary when no secondary matches the tag sets.
    assert.equal(await chooseMember(source, 'source', resolveReadPreference({ readPreference: 'secondaryPreferred', readTags: [{ dc: 'east' }] })), member);
    assert.equal(await chooseMember(source, 'source', resolveReadPreference({ readPreference: 'nearest', readTags: [{}] })), member);
  });

  it('keeps the address a direct connection names (a proxy in front of the member), not the member\'s own name for itself', async () => {
    const real = new URL(services.source.uri);
    // A forwarder on another port: the member's hello still says `me` is the real port.
    const forward = createServer((c) => c.pipe(connect(Number(real.port), real.hostname)).pipe(c).on('error', () => c.destroy()));
    await new Promise<void>((r) => forward.listen(0, '127.0.0.1', r));
    const via = `127.0.0.1:${(forward.address() as AddressInfo).port}`;
    const client = new MongoClient(`mongodb://${via}/?directConnection=true`, { serverSelectionTimeoutMS: 3000 });
    try {
      assert.equal(await chooseMember(client, 'source', resolveReadPreference({})), via);
      assert.equal(await chooseMember(source, 'source', resolveReadPreference({})), member, 'a replica set URI: the member by its own name');
    } finally {
      await client.close();
      forward.close();
    }
  });

  it('refuses a preference no member matches, naming it; an unreachable source is not a preference error', async () => {
    const quick = new MongoClient(services.source.uri, { serverSelectionTimeoutMS: 1500 });
    const down = new MongoClient('mongodb://127.0.0.1:1/?replicaSet=rs0', { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await assert.rejects(chooseMember(quick, 'source', resolveReadPreference({ readPreference: 'secondary', readTags: [{ dc: 'east' }] })), (e: unknown) => {
        assert.ok(e instanceof InvalidConfig, String(e));
        assert.match(e.message, /^no member of source 'source' matches read preference 'secondary' with tag sets \[\{"dc":"east"\}\]: name tag sets that a member carries/);
        return true;
      });
      await assert.rejects(chooseMember(quick, 'source', resolveReadPreference({ readPreference: 'secondary' })), /^InvalidConfig|no member of source 'source' matches read preference 'secondary': /);
      await assert.rejects(chooseMember(down, 'down', resolveReadPreference({})), (e: unknown) => e instanceof SourceUnreachable && /^source 'down' is unreachable/.test(e.message));
    } finally {
      await quick.close();
      await down.close();
    }
  });

  it('reads a pinned member alone through a direct connection, named by host, never by URI', async () => {
    const registry = new ConnectionRegistry({ source: ConnectionConfig.parse({ uri: services.source.uri }) }, {});
    try {
      const ref = onMember('source', member);
      assert.equal(ref, `source@${member}`);
      const pinned = registry.client(ref);
      assert.equal(pinned.options.directConnection, true);
      assert.deepEqual(pinned.options.hosts.map(String), [member]);
      assert.notEqual(pinned, registry.client('source'), 'the set and the member have their own clients');
      assert.equal(registry.config(ref), registry.config('source'));
      assert.ok(registry.has(ref));
      // T0 and a copy through the member, with majority.
      assert.ok((await latestOplogTs(pinned)).high > 0);
      const res = await copyRange({ client: pinned, ns: `${db}.c`, range: {}, sliceMaxBytes: 1 << 20, readPreference: sourceReads(resolveReadPreference({})).readPreference, writeSlice: async () => undefined });
      assert.equal(res.docs, 2);
    } finally {
      await registry.close();
    }
    assert.equal(memberUri('mongodb://u:p%40ss@a:1,b:2/app?replicaSet=rs0&directConnection=false', 'b:2'), 'mongodb://u:p%40ss@b:2/app?replicaSet=rs0&directConnection=true');
    assert.equal(memberUri('mongodb+srv://u:p@cluster.example.net/?retryWrites=true', 'node-1.example.net:27017'), 'mongodb://u:p@node-1.example.net:27017/?retryWrites=true&directConnection=true&tls=true');
    assert.deepEqual(splitConnectionRef('source@[::1]:27017'), { id: 'source', member: '[::1]:27017' });
    assert.throws(() => splitConnectionRef('source@a/b?x'), InvalidConfig);
  });

  it('reads the primary for a sync recorded before the member choice, whatever the connection prefers', async () => {
    // The worker's connections default to secondaryPreferred (config/schema.ts): on an unpinned client that
    // must not reach T0 or the copy, which could then read two secondaries at different points.
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
