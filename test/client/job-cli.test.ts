/**
 * `headwater job` as a script sees it: the real CLI process against the dev server and a real worker.
 * Exit codes: 0 done, 2 refused (bad input, unknown job, a command the state does not allow, terminate
 * without --yes); human tables by default, JSON with --json.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { JobListing, JobStatus } from '../../src/contracts/job.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { workflowIds } from '../../src/workflows/ids.js';
import { cliCommand } from '../harness/build.js';
import { forgetJob } from '../harness/catalog.js';
import { mongoClient, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { writeWorkerConfig } from '../harness/worker-process.js';

function cli(configFile: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(...cliCommand('job', ...args), {
      env: { ...process.env, HEADWATER_CONFIG: configFile },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('headwater job (CLI process, dev server, real worker)', () => {
  const cfg = writeWorkerConfig(uniqueName('hw-jobcli'));
  const jobId = uniqueName('c').replace(/_/g, '-').slice(0, 18);
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let deps: Deps;
  let worker: Worker;
  let running: Promise<void>;
  const run = (...args: string[]) => cli(cfg.configFile, ...args);

  before(async () => {
    t = await connectTemporal();
    deps = createDeps(loadConfig({ HEADWATER_CONFIG: cfg.configFile }));
    worker = await createWorker({ connection: await nativeConnection(), taskQueue: cfg.taskQueue, workflowBundle: await bundle(workflowsPath), activities: createActivities(deps) });
    running = worker.run();
  });
  after(async () => {
    await t.client.workflow.getHandle(workflowIds.job(jobId)).terminate('test over').catch(() => undefined);
    worker.shutdown();
    await running;
    const head = mongoClient('head');
    await forgetJob(head, jobId);
    await head.close();
    await deps.close();
    await t.connection.close();
  });

  it('creates a job with the Ops Manager defaults, shows and lists it, and refuses what it must with exit code 2', async () => {
    const created = await run('create', jobId, '--source', 'source', '--include', 'app', '--interval-hours', '12');
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, new RegExp(`created job ${jobId} \\(Inactive\\)`));

    const shown = await run('show', jobId, '--json');
    assert.equal(shown.code, 0, shown.err);
    const s = JSON.parse(shown.out) as JobStatus;
    assert.equal(s.state, 'Inactive');
    assert.deepEqual(s.definition.retention, { intervalHours: 12, keep: { hourly: 48, daily: 7, weekly: 4, monthly: 12 }, pointInTimeHours: 24 });
    assert.equal(s.definition.resyncPolicy, 'manual');
    assert.deepEqual(s.allowed, ['start']);
    const human = await run('show', jobId);
    assert.match(human.out, /^job .*: Inactive, phase inactive/);

    // Visibility is eventually consistent: the listing finds the job within a few tries.
    let listed: JobListing[] = [];
    for (let i = 0; i < 20 && !listed.some((j) => j.jobId === jobId); i += 1) {
      const l = await run('list', '--json');
      assert.equal(l.code, 0, l.err);
      listed = JSON.parse(l.out) as JobListing[];
    }
    assert.deepEqual(listed.find((j) => j.jobId === jobId), { jobId, state: 'Inactive', phase: 'inactive', source: 'source', workflowId: `job/${jobId}` });
    const table = await run('list');
    assert.match(table.out, /^JOB\s+STATE\s+PHASE\s+SOURCE/);

    const updated = await run('update', jobId, '--keep-daily', '9', '--json');
    assert.equal(updated.code, 0, updated.err);
    assert.equal((JSON.parse(updated.out) as JobStatus).definition.retention.keep.daily, 9);

    const refusals: Array<[string[], RegExp]> = [
      [['update', jobId, '--interval-hours', '0'], /invalid job update: intervalHours/],
      [['create', jobId, '--source', 'source'], /cannot create job '.*': it exists/],
      [['create', 'other', '--source', 'source', '--interval-hours', '-1'], /invalid job definition: retention\.intervalHours/],
      [['stop', jobId], /cannot stop a job that is Inactive: allowed command is start$/m],
      [['resync', jobId], /cannot resync a job that is Inactive: allowed command is start$/m],
      [['terminate', jobId], /repeat with --yes/],
      [['terminate', jobId, '--yes'], /cannot terminate a job that is Inactive/],
      [['show', 'no-such-job'], /job 'no-such-job' does not exist/],
      [['start'], /missing required argument/],
    ];
    // None of them changes the job (checked below), so they run side by side: each is a process start.
    await Promise.all(
      refusals.map(async ([args, message]) => {
        const r = await run(...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, message);
      }),
    );
    const still = JSON.parse((await run('show', jobId, '--json')).out) as JobStatus;
    assert.equal(still.state, 'Inactive');
    assert.equal(still.counters.commands, 1, 'only the update counted: refused commands changed nothing');
    assert.equal(still.definition.retention.intervalHours, 12);
  });
});
