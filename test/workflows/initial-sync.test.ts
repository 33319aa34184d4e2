import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import type { SyncResult } from '../../src/contracts/initial-sync.js';
import { headDbName } from '../../src/head/head-names.js';
import { digest } from '../harness/compare.js';
import { fill, startWriter } from '../harness/dataset.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { forgetJob } from '../harness/catalog.js';
import { connectTemporal } from '../harness/temporal.js';
import { WorkerProcess, writeWorkerConfig } from '../harness/worker-process.js';

const PhaseKey = 'HeadwaterPhase';

async function phaseOf(handle: WorkflowHandle): Promise<string | undefined> {
  const d = await handle.describe();
  const v = d.searchAttributes[PhaseKey];
  return Array.isArray(v) ? String(v[0]) : undefined;
}

describe('initial sync (real worker process, FerretDB source and head)', () => {
  // A source of its own, so that this test runs beside the rest of the suite: its 100,000 inserts would
  // roll the shared source's 8 MiB oplog over several times, under every other test's capture.
  let ferret: Awaited<ReturnType<typeof startFerret>>;
  let source: MongoClient;
  let head: MongoClient;
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  const dbA = uniqueName('isa');
  const dbB = uniqueName('isb');
  // 100,000 documents in 6 collections over 2 databases. The writer works on the two small "hot"
  // collections: on FerretDB every update or delete scans its whole collection under the database's
  // write lock, so a writer on the large ones would measure FerretDB, not Headwater.
  const layout: Array<[string, number, 'small' | 'medium']> = [
    [`${dbA}.users`, 35_000, 'small'],
    [`${dbA}.orders`, 30_000, 'small'],
    [`${dbA}.sessions`, 1_500, 'small'],
    [`${dbA}.blobs`, 2_000, 'medium'],
    [`${dbB}.events`, 30_000, 'small'],
    [`${dbB}.counters`, 1_500, 'small'],
    [`${dbB}.empty`, 0, 'small'],
  ];
  const hot = [`${dbA}.sessions`, `${dbB}.counters`];
  const jobId = uniqueName('j').replace(/_/g, '-').slice(0, 20);

  before(async () => {
    // No oplog while the dataset is loaded: its 100,000 entries would only be trimmed again (FerretDB
    // trims a full capped collection a fifth at a time, every few seconds) and every oplog read would scan
    // them. The oplog is created once the data is in, as on a source whose history before the sync is gone.
    ferret = await startFerret();
    source = new MongoClient(ferret.uri);
    head = mongoClient('head');
    t = await connectTemporal();
    await Promise.all(layout.map(([ns, n, size]) => fill(source, ns, n, size)));
    await source.db(dbB).createCollection('empty');
    await source.db('local').createCollection('oplog.rs', { capped: true, size: 8 * 1024 * 1024 });
    // A first entry, as a live replica set always has one: a sync refuses an empty oplog (no T0 to record).
    await source.db(dbA).collection('sessions').insertOne({ _id: 'oplog-start' } as never);
  });
  after(async () => {
    // The head databases are gigabytes over runs, and FerretDB's listDatabases walks every one.
    for (const db of [dbA, dbB]) await head.db(headDbName(jobId, 1, db)).dropDatabase();
    await forgetJob(head, jobId);
    await Promise.all([source.close(), head.close(), t.connection.close()]);
    await ferret.stop();
  });

  it('survives a SIGKILL in transferring, building and applying oplogs, and ends equal to the source', async () => {
    const cfg = writeWorkerConfig(uniqueName('hw-sync'), { source: { uri: ferret.uri } });
    const worker = new WorkerProcess(cfg);
    await worker.start();
    const writer = startWriter(source, hot, { pauseMs: 5 });
    const handle = await t.client.workflow.start('initialSync', {
      taskQueue: cfg.taskQueue,
      workflowId: `job/${jobId}/initial-sync/1`,
      args: [
        {
          jobId,
          source: 'source',
          head: 'head',
          filter: { include: [dbA, dbB] },
          rangeDocs: 20_000,
          sliceMaxBytes: 512 * 1024,
        },
      ],
    });
    const killedIn: string[] = [];
    const targets = ['transferring', 'building', 'applying oplogs'];
    let writerStopped = false;
    const result = handle.result() as Promise<SyncResult>;
    let finished = false;
    void result.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      const phase = await phaseOf(handle).catch(() => undefined);
      if (phase !== undefined && targets.includes(phase) && !killedIn.includes(phase)) {
        if (phase !== 'transferring' || (await source.db(dbA).collection('users').countDocuments()) > 0) {
          await worker.restart();
          killedIn.push(phase);
        }
      }
      if (!writerStopped && (phase === 'applying oplogs' || killedIn.length >= 2)) {
        await writer.stop();
        writerStopped = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    let res: SyncResult;
    try {
      res = await result;
    } finally {
      // Also on a failed sync: a worker process left running keeps this test file from ever ending.
      if (!writerStopped) await writer.stop();
      await worker.stop();
    }

    assert.deepEqual(
      killedIn,
      targets,
      `the worker was killed in each phase (worker starts: ${worker.starts})`,
    );
    assert.ok(
      writer.stats.inserts + writer.stats.updates + writer.stats.deletes > 0,
      'the writer wrote during the sync',
    );
    assert.equal(res.progress.phase, 'complete');
    for (const [ns] of layout) {
      const [db, coll] = ns.split('.') as [string, string];
      const want = await digest(source, db, coll);
      const got = await digest(head, headDbName(jobId, 1, db), coll);
      assert.equal(got.duplicates, 0, `${ns}: no duplicate documents in the head`);
      assert.equal(got.count, want.count, `${ns}: same count`);
      assert.equal(got.hash, want.hash, `${ns}: same content hash`);
    }
  });
});
