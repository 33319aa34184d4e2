/**
 * The setup of the tests that run an initial sync and its follow in process: a FerretDB source of their own
 * (the shared one's oplog can roll over under other suites' load), the head, Temporal (a client and a
 * worker's connection), a store in a temporary directory and the worker's deps over a catalog of their own;
 * a worker with the project's workflows, and the follow of sync 1 started from the sync's consistent point.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import { parseConfig } from '../../src/config/load.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createDeps } from '../../src/worker/deps.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';

export type FollowFixture = Awaited<ReturnType<typeof startFollowFixture>>;

/**
 * Starts the services and makes the deps: the source's oplog holds `oplogBytes`, the catalog database and
 * the store's directory are named after `name`. With `bundleFirst` the workflows are bundled here, before
 * the source starts, rather than when a worker is made.
 */
export async function startFollowFixture(o: { name: string; oplogBytes: number; bundleFirst?: boolean }) {
  const catalogDb = uniqueName(`hw_cat_${o.name}`);
  const t = await connectTemporal();
  const native = await nativeConnection();
  const bundled: WorkflowBundleWithSourceMap | undefined = o.bundleFirst
    ? await bundle(workflowsPath)
    : undefined;
  const ferret = await startFerret({ oplogBytes: o.oplogBytes });
  const source = new MongoClient(ferret.uri);
  const head = mongoClient('head');
  const storeDir = await mkdtemp(join(tmpdir(), `hw-${o.name}-`));
  const deps = createDeps(
    parseConfig({
      temporal: { address: services.temporal.address },
      catalog: { connection: 'head', database: catalogDb },
      connections: { source: { uri: ferret.uri }, head: { uri: services.head.uri } },
      stores: { default: { type: 'fs', path: storeDir } },
    }),
  );
  return {
    ferret,
    t,
    native,
    deps,
    source,
    head,
    storeDir,
    catalogDb,
    /** A worker on `taskQueue` with the project's workflows and the activities over the fixture's deps. */
    worker: async (taskQueue: string) =>
      createWorker({
        connection: native,
        taskQueue,
        workflowBundle: bundled ?? (await bundle(workflowsPath)),
        activities: createActivities(deps),
      }),
    /** The follow of the job's sync 1 from its consistent point: 2 s captures, applies every 200 ms, 100 ms slices. */
    startFollow: (f: { taskQueue: string; jobId: string; consistentAt: string }) =>
      t.client.workflow.start('follow', {
        taskQueue: f.taskQueue,
        workflowId: `job/${f.jobId}/tail`,
        args: [
          {
            jobId: f.jobId,
            syncNumber: 1,
            source: 'source',
            capturedThrough: f.consistentAt,
            appliedThrough: f.consistentAt,
            captureSeconds: 2,
            applyIntervalMs: 200,
            sliceMaxAgeMs: 100,
          },
        ],
      }),
    /**
     * Drops the head databases whose names hold `headDbsWith` (when given) and the catalog, closes the deps,
     * clients and connections, stops the source and removes the store's directory.
     */
    stop: async (s: { headDbsWith?: string } = {}) => {
      if (s.headDbsWith !== undefined) {
        const dbs = (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases;
        for (const d of dbs) if (d.name.includes(s.headDbsWith)) await head.db(d.name).dropDatabase();
      }
      await head.db(catalogDb).dropDatabase();
      await deps.close();
      await Promise.all([source.close(), head.close(), native.close(), t.connection.close()]);
      await ferret.stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
