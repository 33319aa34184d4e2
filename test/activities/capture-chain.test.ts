/**
 * Two capture attempts of one chain at once, on the real source, catalog and store: what Temporal leaves
 * behind when it times out an attempt whose process still runs (a lost heartbeat) and starts its retry.
 * Only one of them may extend the chain: the chain ends gapless and without overlap, every write is in
 * it exactly once, and a later retry that lost its heartbeat carries on from the chain's end.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { MongoClient } from 'mongodb';
import { createCaptureActivities } from '../../src/activities/capture.js';
import type { Deps } from '../../src/activities/deps.js';
import type { CaptureResult } from '../../src/contracts/activities.js';
import { parseConfig } from '../../src/config/load.js';
import { decodeRaw, tsToString } from '../../src/lib/bson.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { latestOplogTs } from '../../src/source/plan-sync.js';
import { createDeps } from '../../src/worker/deps.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { newJobId } from '../snapshot/fixtures.js';

describe('capture attempts of one chain side by side', () => {
  let deps: Deps;
  let source: MongoClient;
  let storeDir: string;
  const catalogDb = uniqueName('hw_cat_cc');
  const db = uniqueName('cc');
  before(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'hw-cc-'));
    deps = createDeps(
      parseConfig({
        temporal: { address: services.temporal.address },
        catalog: { connection: 'head', database: catalogDb },
        connections: { source: { uri: services.source.uri }, head: { uri: services.head.uri } },
        stores: { default: { type: 'fs', path: storeDir } },
      }),
    );
    source = mongoClient('source');
  });
  after(async () => {
    await source.db(db).dropDatabase();
    await deps.catalog.db.dropDatabase();
    await deps.close();
    await source.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  it('lets one attempt extend the chain, refuses the other, and a retry resumes from the chain end', async () => {
    const jobId = newJobId('cc');
    const afterTs = tsToString(await latestOplogTs(source));
    const { captureOplog } = createCaptureActivities(deps);
    const input = { jobId, syncNumber: 1, source: 'source', sliceStore: 'default', afterTs };
    // Slices cut at different sizes differ, as two attempts' slices do: identical ones would share a key.
    const attempt = (maxSeconds: number, sliceMaxBytes?: number): Promise<CaptureResult> =>
      new MockActivityEnvironment().run(captureOplog, { ...input, maxSeconds, sliceMaxBytes }) as Promise<CaptureResult>;

    const writes = 40;
    const both = Promise.allSettled([attempt(6), attempt(6, 1000)]);
    for (let i = 0; i < writes; i++) await source.db(db).collection('c').insertOne({ _id: i as never });
    const outcomes = await both;
    const refused = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(refused.length, 1, 'exactly one attempt keeps the chain');
    const reason = (refused[0] as PromiseRejectedResult).reason as ApplicationFailure;
    assert.equal(reason.type, 'SliceChainMoved');
    assert.equal(reason.nonRetryable, false, 'Temporal retries it');

    // The retry of the refused attempt lost its heartbeat: it starts from the original afterTs.
    const chainEnd = await deps.catalog.slices.chainEnd({ jobId, syncNumber: 1 });
    const retried = await attempt(1);
    assert.ok(chainEnd !== undefined && retried.lastTs >= tsToString(chainEnd), 'the retry began at the chain end');

    const chain = await deps.catalog.slices.oplog({ jobId, syncNumber: 1 });
    assert.equal(tsToString(chain[0]!.prevTs!), afterTs);
    for (let i = 1; i < chain.length; i++)
      assert.ok(chain[i]!.prevTs!.equals(chain[i - 1]!.lastTs!), `slice ${i} starts where slice ${i - 1} ends`);
    const store = new SliceStore(deps.store, deps.catalog.slices);
    const ids: number[] = [];
    for (const rec of chain)
      for (const raw of await store.read(rec)) {
        const e = decodeRaw(raw) as { ns: string; o: { _id: number } };
        if (e.ns === `${db}.c`) ids.push(Number(e.o._id));
      }
    assert.deepEqual(ids, Array.from({ length: writes }, (_, i) => i), 'every write once, in order');
  });
});
