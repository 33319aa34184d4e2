/**
 * `headwater status` as an operator runs it: the real CLI process against the dev server, a real worker and
 * a real job on FerretDB, synced, following and snapshotted. The JSON row carries every field the screen
 * shows; the screen is plain text on a pipe; `--watch` refreshes until SIGINT and then exits 0. The CLI's
 * configuration names Temporal alone: the window and store usage come from the worker, which holds the catalog.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createActivities } from '../../src/activities/index.js';
import type { JobStatusRow } from '../../src/client/cli/status-report.js';
import { JobClient } from '../../src/client/job-client.js';
import { loadConfig } from '../../src/config/load.js';
import { JobDefinition } from '../../src/contracts/job.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { backupJob } from '../../src/workflows/backup-job.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { cliCommand } from '../harness/build.js';
import { forgetJob } from '../harness/catalog.js';
import { startFerret } from '../harness/ferret.js';
import { stringify } from 'yaml';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';
import { until as waitUntil } from '../harness/until.js';

const ESC = String.fromCharCode(27);

/** Runs the CLI; `interruptWhen` sends SIGINT once the output so far satisfies it. */
function cli(configFile: string, args: string[], interruptWhen?: (out: string) => boolean): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(...cliCommand(...args), { env: { ...process.env, HEADWATER_CONFIG: configFile } });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (interruptWhen !== undefined && !sent && interruptWhen(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean) => waitUntil(what, probe, ok, { pauseMs: 300 });

describe('headwater status (CLI process, dev server, real worker and job)', () => {
  let cfg: WorkerConfig;
  /** The CLI's configuration: Temporal and the task queue, no catalog, connection or store. */
  let cliConfig: string;
  // A private source: the shared one's oplog carries every other test's writes, which the sync must read through.
  let src: Awaited<ReturnType<typeof startFerret>>;
  let source: MongoClient;
  const jobId = uniqueName('st').replace(/_/g, '-').slice(0, 18);
  const otherJobId = `${jobId.slice(0, 17)}-o`;
  const db = uniqueName('st');
  const head = mongoClient('head');
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let deps: Deps;
  let worker: Worker;
  let running: Promise<void>;

  before(async () => {
    src = await startFerret({ oplogBytes: 8 * 1024 * 1024 });
    source = new MongoClient(src.uri);
    cfg = writeWorkerConfig(uniqueName('hw-status'), { source: { uri: src.uri } });
    cliConfig = join(dirname(cfg.configFile), 'cli.yaml');
    writeFileSync(cliConfig, stringify({ temporal: { address: services.temporal.address, taskQueue: cfg.taskQueue }, connections: {}, stores: {} }));
    t = await connectTemporal();
    deps = createDeps(loadConfig({ HEADWATER_CONFIG: cfg.configFile }));
    worker = await createWorker({ connection: await nativeConnection(), taskQueue: cfg.taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
  });
  after(async () => {
    for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId), workflowIds.job(otherJobId)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    worker.shutdown();
    await running;
    for (const d of await listHeadDatabases(head, jobId)) await head.db(d.name).dropDatabase();
    await forgetJob(head, jobId);
    await forgetJob(head, otherJobId);
    await Promise.all([head.close(), source.close(), deps.close(), t.connection.close()]);
    await src.stop();
  });

  it('shows a following, snapshotted job: lag, headroom, last snapshot, window, store usage, a headroom warning; --watch stops on SIGINT', async () => {
    await source.db(db).collection('c').insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, v: `doc ${i}` })) as never[]);
    const jobs = new JobClient(t.client, cfg.taskQueue);
    // A headroom threshold no oplog meets: the warning must show. Short capture calls keep apply close behind.
    await jobs.createJob({ jobId, source: 'source', filter: { include: [db] }, headroomWarnSeconds: 10 ** 9 }, { captureSeconds: 2 });
    // A job of another deployment (its own task queue) in the same namespace: not on this screen.
    // (Started directly: no worker polls that queue, so the client's createJob would wait for its first answer.)
    await t.client.workflow.start(backupJob, { taskQueue: `${cfg.taskQueue}-other`, workflowId: workflowIds.job(otherJobId), args: [{ job: JobDefinition.parse({ jobId: otherJobId, source: 'source' }) }] });
    await jobs.startJob(jobId);
    await until('Active and following', () => jobs.jobStatus(jobId), (s) => s.state === 'Active' && s.follow !== undefined);
    await t.client.schedule.getHandle(scheduleIds.snapshot(jobId)).trigger();
    const snapped = await until('a scheduled snapshot', () => jobs.view(jobId), (v) => v.lastSnapshot !== undefined);
    // The window ends where the captured oplog ends: wait until it reaches past the snapshot's second.
    await source.db(db).collection('c').insertOne({ _id: 1000 as never, v: 'after the snapshot' });

    const rows = await until(
      'the job in status --json with a window',
      async () => {
        const r = await cli(cliConfig, ['status', '--json']);
        assert.equal(r.code, 0, r.err);
        return JSON.parse(r.out) as JobStatusRow[];
      },
      // A window past the snapshot's second, and the follow's first capture call returned (lag and headroom
      // measured): a status read sooner shows the snapshot's own second-less range and no headroom yet.
      (all) =>
        all.some(
          (row) =>
            row.jobId === jobId &&
            row.lastSnapshot !== undefined &&
            row.window !== undefined &&
            row.window.length > 0 &&
            row.window[0]!.firstSecond <= row.window[0]!.lastSecond &&
            row.headroomSeconds !== undefined &&
            row.headroomSeconds !== null,
        ),
    );
    const json = rows.find((j) => j.jobId === jobId)!;
    assert.equal(json.state, 'Active');
    assert.equal(json.phase, 'following');
    assert.equal(json.source, 'source');
    assert.equal(typeof json.captureLagSeconds, 'number');
    assert.equal(typeof json.applyLagSeconds, 'number');
    assert.equal(typeof json.headroomSeconds, 'number', `the source oplog has a first entry: headroom is known (${JSON.stringify(json)})`);
    assert.equal(json.lastSnapshot!.snapshotId, snapped.lastSnapshot!.snapshotId);
    assert.ok(json.lastSnapshot!.ageSeconds! >= 0);
    assert.ok(json.window![0]!.firstSecond <= json.window![0]!.lastSecond, JSON.stringify(json.window));
    assert.equal(json.store!.snapshots, 1);
    assert.ok(json.store!.snapshotStoredBytes > 0 && json.store!.dataBytes > 0, JSON.stringify(json.store));
    assert.ok(json.store!.slices > 0 && json.store!.sliceStoredBytes > 0, JSON.stringify(json.store));
    assert.ok(json.warnings.some((w) => /^oplog headroom \d+ s is below 1000000000 s/.test(w)), JSON.stringify(json.warnings));
    assert.deepEqual(json.errors, []);
    assert.equal(rows.find((j) => j.jobId === otherJobId), undefined, 'a job on another task queue is not shown');

    // On a pipe: the table and detail lines, plain (no progress bar, no escape codes).
    const screen = await cli(cliConfig, ['status']);
    assert.equal(screen.code, 0, screen.err);
    assert.match(screen.out, /^JOB\s+STATE\s+PHASE\s+CAPTURE LAG\s+APPLY LAG\s+OPLOG HEADROOM\s+LAST SNAPSHOT$/m);
    assert.match(screen.out, new RegExp(`^${jobId}\\s+Active\\s+following\\s+\\d+\\.\\d s\\s+\\d+ (s|min)`, 'm'));
    assert.match(screen.out, new RegExp(`^${jobId}: window \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z to \\d{4}-`, 'm'));
    assert.match(screen.out, new RegExp(`^${jobId}: store 1 snapshots, [\\d.]+ (B|KiB|MiB) stored for `, 'm'));
    assert.match(screen.out, new RegExp(`^${jobId}: WARNING oplog headroom`, 'm'));
    assert.ok(!screen.out.includes(ESC), "no escape codes on a pipe");

    // --watch: at least two refreshes, each stamped, then SIGINT ends it cleanly.
    const frames = (out: string) => out.match(/^headwater status at /gm)?.length ?? 0;
    const watched = await cli(cliConfig, ['status', '--watch', '--interval', '1'], (out) => frames(out) >= 2);
    assert.equal(watched.code, 0, watched.err);
    assert.ok(frames(watched.out) >= 2, watched.out);
    assert.ok(!watched.out.includes(ESC), "no screen clearing on a pipe");
  });
});
