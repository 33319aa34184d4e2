import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NativeConnection, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { forgetJob } from '../harness/catalog.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, historyText, nativeConnection } from '../harness/temporal.js';
import { headDbName } from '../../src/head/head-names.js';

describe('initial sync refuses a source it cannot follow', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let native: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  let deps: Deps;
  let authFerret: Awaited<ReturnType<typeof startFerret>>;
  const password = `pw-${uniqueName('secret')}`;

  before(async () => {
    t = await connectTemporal();
    native = await nativeConnection();
    workflowBundle = await bundle(workflowsPath);
    authFerret = await startFerret({ auth: { user: 'backup', password } });
    deps = createDeps(
      parseConfig({
        connections: {
          head: { uri: services.head.uri },
          unreachable: { uri: 'mongodb://127.0.0.1:1/?directConnection=true' },
          wrongpass: {
            uri: `mongodb://backup:not-${password}@127.0.0.1:${authFerret.port}/?directConnection=true`,
          },
          standalone: { uri: services.head.uri },
          source: { uri: services.source.uri },
        },
        stores: { default: { type: 'fs', path: `/tmp/${uniqueName('hw-store')}` } },
      }),
    );
  });
  after(async () => {
    await deps.close();
    await authFerret.stop();
    await native.close();
    await t.connection.close();
  });

  const cases: Array<[string, string, RegExp]> = [
    ['unreachable', 'SourceUnreachable', /source 'unreachable' is unreachable/],
    ['wrongpass', 'BadCredentials', /authentication to source 'wrongpass' failed/],
    ['standalone', 'NotAReplicaSet', /source 'standalone' is not a replica set member/],
  ];
  for (const [connection, type, message] of cases) {
    it(`ends with a non-retryable ${type} for source '${connection}' and writes nothing to the head`, async () => {
      const taskQueue = uniqueName('hw-err');
      const jobId = uniqueName('e').replace(/_/g, '-').slice(0, 20);
      const worker = await createWorker({
        connection: native,
        taskQueue,
        workflowBundle,
        activities: createActivities(deps),
      });
      const started = Date.now();
      const err = await worker.runUntil(
        t.client.workflow
          .execute('initialSync', {
            taskQueue,
            workflowId: `job/${jobId}/initial-sync/1`,
            args: [{ jobId, source: connection }],
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          ),
      );
      assert.ok(err instanceof WorkflowFailedError, 'the workflow failed');
      const cause = (err.cause as { cause?: unknown })?.cause ?? err.cause;
      assert.ok(cause instanceof ApplicationFailure, 'with an application failure');
      assert.equal(cause.type, type);
      assert.equal(cause.nonRetryable, true);
      assert.match(cause.message, message);
      assert.ok(!cause.message.includes(password), 'the message carries no password');
      assert.ok(Date.now() - started < 30_000, 'it failed at once, without retrying');
      const head = mongoClient('head');
      const { databases } = await head.db('admin').command({ listDatabases: 1, nameOnly: true });
      await head.close();
      const prefix = headDbName(jobId, 1, '');
      assert.deepEqual(
        (databases as Array<{ name: string }>).filter((d) => d.name.startsWith(prefix)),
        [],
      );
      const history = await historyText(t.client, `job/${jobId}/initial-sync/1`);
      assert.match(history, new RegExp(connection), 'the history names the connection id');
      assert.ok(!history.includes(password), 'no password in the workflow history');
    });
  }

  it('ends at once with a build failure that happens while the copy still runs, not when the copy ends', async () => {
    const source = mongoClient('source');
    const db = uniqueName('hw_buildfail');
    await source
      .db(db)
      .collection('c')
      .insertMany(Array.from({ length: 3000 }, (_, i) => ({ i, pad: 'p'.repeat(300) })));
    const taskQueue = uniqueName('hw-buildfail');
    const jobId = uniqueName('bf').replace(/_/g, '-').slice(0, 20);
    // Fault injection around the real activities: the first build call fails as a damaged slice would,
    // and every copy is held until the test releases it, as a large one would run on. The sync must end
    // while the copies are still held: waiting for the event, not for a clock on a loaded machine.
    const real = createActivities(deps);
    let releaseCopies = () => {};
    const copiesHeld = new Promise<void>((r) => (releaseCopies = r));
    let copiesReleased = false;
    const activities = {
      ...real,
      copyRange: async (input: Parameters<typeof real.copyRange>[0]) => {
        await copiesHeld;
        return real.copyRange(input);
      },
      buildSlices: async () => {
        throw ApplicationFailure.nonRetryable('slice damaged (injected by the test)', 'ChecksumMismatch');
      },
    };
    let endedWhileCopiesHeld = false;
    const worker = await createWorker({ connection: native, taskQueue, workflowBundle, activities });
    try {
      const outcome = await worker.runUntil(async () => {
        const handle = await t.client.workflow.start('initialSync', {
          taskQueue,
          workflowId: `job/${jobId}/initial-sync/1`,
          args: [{ jobId, source: 'source', filter: { include: [db] } }],
        });
        // Only a safety net: without the race the sync never ends while the copies are held.
        const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 120_000));
        const result = await Promise.race([
          handle.result().then(
            () => 'completed' as const,
            (e: unknown) => e,
          ),
          timeout,
        ]);
        endedWhileCopiesHeld = !copiesReleased;
        if (result === 'hung') await handle.terminate('the sync hung after building failed');
        copiesReleased = true;
        releaseCopies(); // so the worker can drain them on shutdown
        return result;
      });
      assert.ok(outcome instanceof WorkflowFailedError, `the sync ${String(outcome)}`);
      const cause = (outcome.cause as { cause?: unknown })?.cause ?? outcome.cause;
      assert.ok(cause instanceof ApplicationFailure);
      assert.equal(cause.type, 'ChecksumMismatch');
      assert.ok(endedWhileCopiesHeld, 'the sync failed while its copies were still held, not after them');
    } finally {
      await source.db(db).dropDatabase();
      await source.close();
      const head = mongoClient('head');
      await head.db(headDbName(jobId, 1, db)).dropDatabase();
      await forgetJob(head, jobId);
      await head.close();
    }
  });
});
