import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MongoClient, Timestamp } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import { BlobKey, Keyring } from '../../src/codec/keys.js';
import { parseConfig } from '../../src/config/load.js';
import type { GroomResult, SnapshotResult } from '../../src/contracts/snapshot.js';
import { InvalidConfig } from '../../src/errors/domain-errors.js';
import { StoreLeases } from '../../src/groom/store-leases.js';
import { decodeSnapshot, readManifest } from '../../src/snapshot/decode-snapshot.js';
import { verifySnapshot } from '../../src/snapshot/verify-snapshot.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import {
  changeDocuments,
  headDocuments,
  makeHead,
  newJobId,
  SMALL_CHUNKS,
  type TestHead,
} from '../snapshot/fixtures.js';

describe('snapshot and groom workflows, no follow running', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let deps: Deps;
  let head: MongoClient;
  let h: TestHead;
  let storeDir: string;
  const catalogDb = uniqueName('hw_cat_wf');
  const keyVar = `HW_TEST_SNAPSHOT_KEY_${randomBytes(4).toString('hex')}`;
  const keyHex = randomBytes(32).toString('hex');

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    workflowBundle = await bundle(workflowsPath);
    head = mongoClient('head');
    storeDir = await mkdtemp(join(tmpdir(), 'hw-snapwf-'));
    process.env[keyVar] = keyHex;
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
      }),
    );
    h = await makeHead(head, deps.catalog, {
      jobId: newJobId('w'),
      collections: [
        { name: 'a', count: 1500 },
        { name: 'b', count: 150, size: 'medium' },
      ],
      consistentAt: new Timestamp({ t: 1_700_004_000, i: 3 }),
    });
  });
  after(async () => {
    delete process.env[keyVar];
    await h.drop();
    await head.db(catalogDb).dropDatabase();
    await deps.close();
    await head.close();
    await rm(storeDir, { recursive: true, force: true });
    await native.close();
    await t.connection.close();
  });

  const run = async <T>(workflow: string, workflowId: string, args: unknown[]): Promise<T> => {
    const taskQueue = uniqueName('hw-snap');
    const worker = await createWorker({
      connection: native,
      taskQueue,
      workflowBundle,
      activities: createActivities(deps),
    });
    return worker.runUntil(
      t.client.workflow.execute(workflow, { taskQueue, workflowId, args }) as Promise<T>,
    );
  };

  it("snapshots the head at the sync's consistent point, complete and listed, and is idempotent at that point", async () => {
    const id = `job/${h.jobId}/snapshot/1700004000.0`;
    const r = await run<SnapshotResult>('snapshot', id, [
      { jobId: h.jobId, requestedAt: '1700004000.0', chunker: SMALL_CHUNKS },
    ]);
    assert.equal(r.ts, '1700004000.3', 'without a follow, the head is at the sync consistent point');
    assert.equal(r.alreadyTaken, false);
    assert.equal(r.totals.documents, 1650);
    const rec = await deps.catalog.snapshots.get(r.snapshotId);
    assert.equal(rec.manifestKey, r.manifestKey);
    const manifest = await readManifest(deps.store('default'), r.manifestKey);
    assert.equal((await verifySnapshot({ store: deps.store('default'), manifest })).ok, true);
    const decoded = await decodeSnapshot(deps.store('default'), manifest);
    for (const coll of ['a', 'b']) {
      const want = await headDocuments(head, h.headDb, coll);
      assert.ok(
        decoded.get(`src.${coll}`)!.every((d, i) => d.equals(want[i]!)),
        `src.${coll} decodes to the head`,
      );
    }
    const again = await run<SnapshotResult>('snapshot', `${id}-again`, [
      { jobId: h.jobId, requestedAt: '1700004000.0', chunker: SMALL_CHUNKS },
    ]);
    assert.equal(again.alreadyTaken, true);
    assert.equal(again.snapshotId, r.snapshotId);
    assert.deepEqual(await deps.catalog.snapshots.list(h.jobId).then((l) => l.length), 1);
    assert.deepEqual(
      await new StoreLeases(deps.catalog).liveWriters('default'),
      [],
      'the writer lease was released',
    );
  });

  it('encrypts with a key named by an environment variable; no key material reaches the history', async () => {
    await changeDocuments(head, h.headDb, 'a', 0.01, 'recent');
    await deps.catalog.syncs.markConsistent(h.jobId, 1, new Timestamp({ t: 1_700_004_100, i: 1 }));
    const id = `job/${h.jobId}/snapshot/1700004100.0`;
    const r = await run<SnapshotResult>('snapshot', id, [
      {
        jobId: h.jobId,
        requestedAt: '1700004100.0',
        chunker: SMALL_CHUNKS,
        encryption: { env: keyVar, id: 'wf-key' },
      },
    ]);
    const manifest = await readManifest(deps.store('default'), r.manifestKey);
    assert.equal(manifest.codec.keyId, 'wf-key');
    const key = new BlobKey(Buffer.from(keyHex, 'hex'), 'wf-key');
    assert.equal(
      (await verifySnapshot({ store: deps.store('default'), manifest, keyring: new Keyring([key]) })).ok,
      true,
    );
    const history = await decodedHistory(t.client, id);
    assert.match(history, new RegExp(keyVar), 'the history names the variable');
    assert.ok(
      !history.includes(keyHex) && !history.includes(Buffer.from(keyHex, 'hex').toString('base64')),
      'but never the key',
    );
  });

  it('grooms by policy: keeps the newest, deletes the rest and the chunks only they used', async () => {
    const before = await deps.catalog.snapshots.list(h.jobId);
    assert.equal(before.length, 2);
    const none = { keep: { hourly: 0, daily: 0, weekly: 0, monthly: 0 }, pointInTimeHours: 0 };
    const r = await run<GroomResult>('groom', `job/${h.jobId}/groom`, [{ jobId: h.jobId, policy: none }]);
    assert.deepEqual(
      r.expire.kept.map((k) => k.snapshotId),
      [before[1]!._id],
    );
    assert.deepEqual(r.expire.deleted, [before[0]!._id]);
    assert.equal(r.sweeps.default?.status, 'swept');
    assert.ok(r.sweeps.default!.chunksDeleted > 0, 'the clear chunks of the deleted snapshot were swept');
    assert.deepEqual(
      (await deps.catalog.snapshots.list(h.jobId)).map((s) => s._id),
      [before[1]!._id],
    );
    const kept = await readManifest(deps.store('default'), before[1]!.manifestKey);
    const key = new BlobKey(Buffer.from(keyHex, 'hex'), 'wf-key');
    assert.equal(
      (await verifySnapshot({ store: deps.store('default'), manifest: kept, keyring: new Keyring([key]) }))
        .ok,
      true,
    );
  });

  it('refuses bad input before leasing the store or pausing apply: unknown store, unset key, missing sync, bad chunk sizes', async () => {
    const listed = await deps.catalog.snapshots.list(h.jobId);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ store: 'nowhere' }, /unknown store 'nowhere'/],
      [{ encryption: { env: 'HW_TEST_UNSET_KEY_VARIABLE' } }, /encryption key variable HW_TEST_UNSET_KEY_VARIABLE is not set/],
      [{ syncNumber: 9 }, /has no initial sync 9 in the catalog/],
    ];
    for (const [i, [bad, message]] of cases.entries()) {
      const requestedAt = `${1_700_004_300 + i}.0`;
      await assert.rejects(
        run('snapshot', `job/${h.jobId}/snapshot/${requestedAt}`, [{ jobId: h.jobId, requestedAt, ...bad }]),
        (e: Error) => message.test(causes(e)),
      );
      const history = await decodedHistory(t.client, `job/${h.jobId}/snapshot/${requestedAt}`);
      assert.match(history, /checkSnapshot/);
      assert.doesNotMatch(history, /beginSnapshotWrite|pauseApply/, 'failed before leasing the store or pausing apply');
    }
    const leases = new StoreLeases(deps.catalog);
    assert.deepEqual([...(await leases.liveWriters('nowhere')), ...(await leases.liveWriters('default'))], []);
    assert.deepEqual(await deps.catalog.snapshots.list(h.jobId), listed, 'nothing listed or removed');
    const client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue: uniqueName('hw-none') });
    try {
      await assert.rejects(
        client.startSnapshot({ jobId: h.jobId, chunker: { minBytes: 8192, avgBytes: 4096 } }),
        (e: Error) => e instanceof InvalidConfig && /chunk sizes must satisfy minBytes < avgBytes < maxBytes/.test(e.message),
      );
    } finally {
      await client.close();
    }
  });

  it('grooms on its own Schedule: a triggered run applies the policy, one Schedule per job, deleted on unschedule', async () => {
    await changeDocuments(head, h.headDb, 'b', 0.05, 'recent');
    await deps.catalog.syncs.markConsistent(h.jobId, 1, new Timestamp({ t: 1_700_004_200, i: 1 }));
    await run<SnapshotResult>('snapshot', `job/${h.jobId}/snapshot/1700004200.0`, [
      { jobId: h.jobId, requestedAt: '1700004200.0', chunker: SMALL_CHUNKS, encryption: { env: keyVar, id: 'wf-key' } },
    ]);
    const before = await deps.catalog.snapshots.list(h.jobId);
    assert.equal(before.length, 2);
    const taskQueue = uniqueName('hw-groom-sched');
    const client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue });
    const worker = await createWorker({ connection: native, taskQueue, workflowBundle, activities: createActivities(deps) });
    const none = { keep: { hourly: 0, daily: 0, weekly: 0, monthly: 0 }, pointInTimeHours: 0 };
    try {
      await assert.rejects(client.scheduleGroom({ jobId: h.jobId, policy: none, every: '0h' }), InvalidConfig);
      assert.equal(await client.groomSchedule(h.jobId), undefined, 'a refused schedule is not created');
      await client.scheduleGroom({ jobId: h.jobId, policy: none, every: '12h' });
      const s = await client.scheduleGroom({ jobId: h.jobId, policy: none, every: '1d' });
      assert.equal(s.scheduleId, `job/${h.jobId}/groom`);
      assert.equal(s.everyMs, 86_400_000, 'scheduling again changes the one Schedule');
      const r = await worker.runUntil(async () => {
        await client.triggerGroom(h.jobId);
        const started = await waitFor(async () => (await client.groomSchedule(h.jobId))?.recentRuns[0]);
        assert.match(started.workflowId, new RegExp(`^job/${h.jobId}/groom`));
        return client.temporal.workflow.getHandle(started.workflowId).result() as Promise<GroomResult>;
      });
      assert.deepEqual(r.expire.deleted, [before[0]!._id]);
      assert.deepEqual((await deps.catalog.snapshots.list(h.jobId)).map((x) => x._id), [before[1]!._id]);
    } finally {
      assert.equal(await client.unscheduleGroom(h.jobId), true);
      assert.equal(await client.groomSchedule(h.jobId), undefined);
      await client.close();
    }
  });

});

async function decodedHistory(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const text = JSON.stringify(history.events);
  const payloads = [...text.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('utf8'),
  );
  return `${text}\n${payloads.join('\n')}`;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing after ${timeoutMs} ms`);
}

/** Every message down an error's cause chain (workflow failure, activity failure, application failure). */
function causes(err: unknown): string {
  const out: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e !== undefined && e !== null; e = e.cause as typeof e) out.push(String(e.message));
  return out.join(' <- ');
}
