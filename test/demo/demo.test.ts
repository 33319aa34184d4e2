/**
 * `npm run demo` end to end, at its `--quick` size, on the local services: it must end by itself with the
 * restore proven, list every workflow it ran, and leave nothing behind (after `--clean` for a `--keep`
 * run, and after Ctrl-C mid-sync). The kept run's job is also looked up in the Temporal UI (test/ui's
 * check): found by its HeadwaterJobId, Active and following.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoNames, type DemoNames } from '../../demo/names.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { connectTemporal } from '../harness/temporal.js';
import { mongoClient } from '../harness/services.js';
import { checkTemporalUi } from '../ui/temporal-ui.js';

interface Run { code: number | null; output: string }

/** Runs the demo; `until` (optional) is called with the output so far and may signal the process. */
function demo(args: string[], until?: (output: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/demo.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (b: Buffer) => {
    output += b.toString();
    until?.(output, (s) => child.kill(s));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

// Part of npm test: both tests took 4.0 min together at load 17 on 2 cores and 2.2 min at load 3 to 9
// (2026-12-03, before capture calls returned after 10 s under writes), most of it the follow.
describe('npm run demo (--quick) end to end, and the Temporal UI', () => {
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  const source = mongoClient('source');
  const head = mongoClient('head');
  const runs: string[] = [];
  let shots: string;

  before(async () => {
    t = await connectTemporal();
    shots = await mkdtemp(join(tmpdir(), 'hw-ui-'));
  });
  after(async () => {
    for (const runId of runs) await demo(['--clean', runId]); // whatever a failed assertion left
    await Promise.all([source.close(), head.close(), t.connection.close()]);
    await rm(shots, { recursive: true, force: true });
  });

  /** Nothing of the run is left: no running workflow on its task queue, no database, no catalog, no directory. */
  async function assertNothingLeft(names: DemoNames): Promise<void> {
    const running: string[] = [];
    for await (const w of t.client.workflow.list({ query: `TaskQueue = '${names.taskQueue}' AND ExecutionStatus = 'Running'` })) running.push(w.workflowId);
    assert.deepEqual(running, [], 'no workflow of the run is still running');
    const dbs = async (c: typeof source) => (await c.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name);
    assert.deepEqual((await dbs(source)).filter((d) => d.startsWith(names.sourcePrefix)), [], 'no sample database on the source');
    assert.deepEqual((await dbs(head)).filter((d) => d.startsWith(names.sourcePrefix) || d === names.catalogDb), [], 'no restored database, no catalog');
    assert.deepEqual(await listHeadDatabases(head, names.jobId), [], 'no head database');
    assert.equal(existsSync(names.dir), false, 'no temporary directory');
  }

  it('runs to the end with the restore verified, is found in the Temporal UI, and --clean removes it all', async (ctx) => {
    const run = await demo(['--quick', '--keep']);
    // The run's own timings, in the test's report, so its drift is seen.
    for (const line of /== Summary\n([\s\S]*?)\n {2}writes while/.exec(run.output)?.[1]?.split('\n') ?? []) ctx.diagnostic(line.trim());
    const runId = /--clean ([a-z0-9]+)/.exec(run.output)?.[1];
    if (runId !== undefined) runs.push(runId);
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /phases \(from the sync's history\): starting [\d.]+ s -> transferring [\d.]+ s -> .*applying oplogs [\d.]+ s.* -> complete -> following/);
    assert.match(run.output, /the head applied through \S+, past the source's \S+, [\d.]+ s after the restore began/);
    assert.match(run.output, /restored == the source at \S+: \d+ collections equal by count and content hash/);
    assert.match(run.output, /restore to the chosen second: verified/);
    assert.match(run.output, /capture lag \(RPO\) seen: at most [\d.]+ s/);
    assert.match(run.output, /stored: [\d.]+ MB of snapshot chunks, [\d.]+x less than the data/);
    const names = demoNames(runId!);
    for (const id of [`job/${names.jobId}`, `job/${names.jobId}/initial-sync/1`, `job/${names.jobId}/tail`, `restore/${names.jobId}-at-`]) {
      assert.ok(run.output.includes(`/workflows/${encodeURIComponent(id)}`), `the summary links ${id}`);
    }

    const shot = join(shots, 'temporal-ui.png');
    const seen = await checkTemporalUi({ jobId: names.jobId, expected: [`job/${names.jobId}`, `job/${names.jobId}/tail`], screenshot: shot });
    for (const id of [`job/${names.jobId}`, `job/${names.jobId}/initial-sync/1`, `job/${names.jobId}/tail`]) assert.ok(seen.listed.includes(id), `the UI lists ${id}: ${seen.listed.join(', ')}`);
    assert.match(seen.searchAttributes, /"HeadwaterState": "Active"/);
    assert.match(seen.searchAttributes, /"HeadwaterPhase": "following"/);
    // The screenshot in docs/ is refreshed on request only, so that a test run leaves the tree unchanged.
    if (process.env.HW_UPDATE_SCREENSHOT === '1') await copyFile(shot, 'docs/temporal-ui.png');

    const clean = await demo(['--clean', runId!]);
    assert.equal(clean.code, 0, clean.output);
    await assertNothingLeft(names);
  });

  it('Ctrl-C during the initial sync stops the workflows and removes what the demo made', async () => {
    let sent = false;
    const run = await demo(['--quick'], (output, kill) => {
      // The first phase line the demo prints (a --quick copy can end between two of its polls).
      if (!sent && /phase: \d\/\d (starting|transferring)/.test(output)) {
        sent = true;
        kill('SIGINT');
      }
    });
    const runId = /run ([a-z0-9]+):/.exec(run.output)?.[1];
    if (runId !== undefined) runs.push(runId);
    assert.ok(sent, `the demo reached the initial sync: ${run.output}`);
    assert.equal(run.code, 130, run.output);
    assert.match(run.output, /interrupted: stopping the job's workflows/);
    assert.match(run.output, /removed \(the finished workflows stay/);
    await assertNothingLeft(demoNames(runId!));
  });
});
