/**
 * The job's data path end to end on a real FerretDB source, a real head and worker: the namespace filter
 * holds in capture and apply (a database created after the sync that the filter keeps is followed, one it
 * does not keep is not, an excluded collection stays out of slices and head), every slice lies in the
 * sync's own chain, and every slice is sealed with the job's key, readable by `job check --deep` with
 * the key and named as unreadable without it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Document } from 'mongodb';
import { checkJobCoverage } from '../../src/catalog/check-coverage.js';
import { inspectBlob } from '../../src/codec/envelope.js';
import type { FollowStatus } from '../../src/contracts/follow.js';
import { compareTsString } from '../../src/contracts/initial-sync.js';
import { headDbName } from '../../src/head/head-names.js';
import { decodeRaw, tsToString } from '../../src/lib/bson.js';
import { verifyJobObjects } from '../../src/oplog/verify-slices.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { listHeadCollections } from '../../src/snapshot/head-collections.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { uniqueName } from '../harness/services.js';
import { newJobId } from '../snapshot/fixtures.js';
import { startFollowFixture, type FollowFixture } from './follow-fixture.js';

const KEY_ID = 'follow-filter';
const KEY_ENV = 'HEADWATER_KEY_FOLLOW_FILTER';

describe('follow with a namespace filter and a key', () => {
  let f: FollowFixture;
  const p = `ff${Date.now().toString(36).slice(-5)}`;
  const [kept, later, outside] = [`${p}a`, `${p}b`, `o${p}`];

  before(async () => {
    process.env[KEY_ENV] = 'ab'.repeat(32);
    f = await startFollowFixture({ name: 'ff', oplogBytes: 64 * 1024 * 1024 });
    await f.source.db(kept).collection('items').insertMany([{ _id: 1 as never }, { _id: 2 as never }]);
    await f.source.db(kept).collection('secret').insertMany([{ _id: 1 as never, pin: 1234 }]);
    await f.source.db(outside).collection('items').insertOne({ _id: 1 as never });
  });
  after(async () => {
    await f.stop({ headDbsWith: p });
    delete process.env[KEY_ENV];
  });

  it('captures and applies what the filter keeps, a new matching database too, in sealed slices of the sync chain', async () => {
    const { t, deps, source, head, catalogDb } = f;
    const jobId = newJobId('ff');
    const taskQueue = uniqueName('hw-ff');
    const worker = await f.worker(taskQueue);
    await worker.runUntil(async () => {
      const sync = (await t.client.workflow.execute('initialSync', {
        taskQueue,
        workflowId: `job/${jobId}/initial-sync/1`,
        args: [{ jobId, source: 'source', filter: { include: [`${p}*`], exclude: [`${kept}.secret`] }, encryptionKeyId: KEY_ID }],
      })) as { consistentAt: string };
      const follow = await f.startFollow({ taskQueue, jobId, consistentAt: sync.consistentAt });
      const status = () => follow.query<FollowStatus>('status');
      const until = async (what: string, done: (s: FollowStatus) => boolean) => {
        for (let i = 0; i < 600; i += 1) {
          if (done(await status())) return;
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.fail(`the follow never ${what}: ${JSON.stringify(await status())}`);
      };
      try {
        // First only writes the filter leaves out: their stretch of the oplog must still be captured.
        await source.db(kept).collection('secret').insertOne({ _id: 2 as never, pin: 5678 });
        await source.db(outside).collection('items').insertOne({ _id: 2 as never });
        const leftOutEnd = tsToString(await latestOplogTs(source));
        await until('captured the left-out writes', (s) => compareTsString(s.capturedThrough, leftOutEnd) >= 0);
        // Then writes it keeps, one in a database created after the sync.
        await source.db(kept).collection('items').insertOne({ _id: 3 as never });
        await source.db(later).collection('items').insertOne({ _id: 1 as never, made: 'after the sync' });
        const end = tsToString(await latestOplogTs(source));
        await until('applied the kept writes', (s) => compareTsString(s.appliedThrough, end) >= 0);
      } finally {
        await follow.terminate('test over');
      }
    });

    // The head: kept and followed, nothing else.
    const headItems = (db: string) => head.db(headDbName(jobId, 1, db)).collection('items').find().sort({ _id: 1 }).toArray();
    assert.deepEqual((await headItems(kept)).map((d) => d._id), [1, 2, 3]);
    assert.deepEqual((await headItems(later)).map((d) => d.made), ['after the sync']);
    const headDbs = (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);
    assert.ok(!headDbs.includes(headDbName(jobId, 1, outside)), 'a new database the filter does not keep is not followed');
    const keptColls = await head.db(headDbName(jobId, 1, kept)).listCollections().toArray();
    assert.deepEqual(keptColls.map((c) => c.name).sort(), ['items'], 'the excluded collection never reaches the head');

    // Snapshots list the followed database (the sync record names it).
    const plan = await deps.catalog.syncs.get(jobId, 1);
    assert.deepEqual(plan.followedDbs, [later]);
    assert.ok((await listHeadCollections(head, plan)).some((c) => c.ns === `${later}.items`));

    // The slices: one chain of sync 1, sealed, holding no excluded entry, with a stand-in for the stretch it left out.
    const records = await deps.catalog.slices.oplog({ jobId, syncNumber: 1 });
    assert.ok(records.length > 0);
    for (const r of records) {
      assert.equal(r.syncNumber, 1, r._id);
      assert.ok(r._id.startsWith(`slices/${jobId}/sync-1/oplog/`), r._id);
    }
    const slices = new SliceStore(deps.store, deps.catalog.slices);
    const entries: Document[] = [];
    for (const r of records) entries.push(...(await slices.read(r)).map(decodeRaw));
    const namespaces = new Set(entries.map((e) => String(e.ns)));
    assert.ok(namespaces.has(`${kept}.items`) && namespaces.has(`${later}.items`), [...namespaces].join());
    assert.ok(![...namespaces].some((ns) => ns === `${kept}.secret` || ns.startsWith(`${outside}.`)), [...namespaces].join());
    assert.ok(entries.some((e) => e.op === 'n' && /left out by the job's namespace filter/.test(String((e.o as Document).msg))));
    assert.equal((await checkJobCoverage(deps.catalog, jobId, 1)).ok, true);

    const collectionSlices = await head.db(catalogDb).collection('slices').find({ jobId, stream: 'sync-1' }).toArray();
    assert.ok(collectionSlices.length > 0);
    for (const id of [...records.map((r) => r._id), ...collectionSlices.map((r) => String(r._id))]) {
      const bytes = await deps.store('default').get(id);
      assert.equal(inspectBlob(bytes, id).sealedWith?.keyId, KEY_ID, `${id} is sealed with the job's key`);
      assert.ok(!Buffer.from(bytes).includes(Buffer.from('after the sync')), `${id} holds no clear text`);
    }

    // job check --deep reads them with the key, and names each one without it.
    const check = () => verifyJobObjects({ catalog: deps.catalog, storeOf: deps.store, jobId });
    assert.equal((await check()).ok, true);
    const key = process.env[KEY_ENV];
    delete process.env[KEY_ENV];
    try {
      const blind = await check();
      assert.equal(blind.damaged.length, records.length);
      assert.ok(blind.damaged.every((d) => d.type === 'WrongKey' && d.error.includes(KEY_ID)), JSON.stringify(blind.damaged[0]));
    } finally {
      process.env[KEY_ENV] = key;
    }
  });
});
