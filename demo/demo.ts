/**
 * `npm run demo`: Headwater end to end on the local services, as an operator would run it. Seeds a sample
 * source (three databases, realistic documents, a few indexes), starts a worker, starts a write workload,
 * creates a backup job with a short snapshot Schedule and watches its initial sync, takes snapshots,
 * restores the job to a chosen second into new databases and proves the result, then summarises timings,
 * lag, storage and the Temporal UI page of every workflow. It removes what it made unless `--keep`;
 * Ctrl-C stops its workflows and removes what it made. Every wait is bounded and says what it saw.
 */
import { setMaxListeners } from 'node:events';
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../src/catalog/catalog.js';
import { HeadwaterClient } from '../src/client/headwater-client.js';
import { cleanup } from './cleanup.js';
import { say, step, type DemoContext } from './context.js';
import { reportFollow, watchFollow } from './follow-step.js';
import { addresses, DemoWorker, mongo, writeConfig } from './environment.js';
import { demoNames, newRunId, uiLink, type DemoNames } from './names.js';
import { parseOptions, SIZES, USAGE, type DemoSize } from './options.js';
import { Bars } from './progress.js';
import { restoreMoment } from './restore-step.js';
import { counts, seedSample } from './sample-data.js';
import { awaitSnapshots, awaitWindow, takeMoment, triggerSnapshot } from './snapshot-step.js';
import { summarize } from './summary.js';
import { createAndSync } from './sync-step.js';
import { Workload } from './workload.js';

async function withClients<T>(names: DemoNames, fn: (c: { hw: HeadwaterClient; source: ReturnType<typeof mongo>; head: ReturnType<typeof mongo> }) => Promise<T>): Promise<T> {
  const source = mongo(addresses.source);
  const head = mongo(addresses.head);
  const hw = await HeadwaterClient.connect({ address: addresses.temporal, taskQueue: names.taskQueue });
  try {
    return await fn({ hw, source, head });
  } finally {
    await Promise.all([hw.close(), source.close(), head.close()]);
  }
}

/** Ctrl-C (or SIGTERM) aborts the run, which then cleans up; a second Ctrl-C leaves at once. */
function interruptible(): AbortController {
  const abort = new AbortController();
  setMaxListeners(100, abort.signal); // every bounded wait listens for Ctrl-C while it runs
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    console.log('\n== interrupted: stopping the job\'s workflows and removing what the demo made (Ctrl-C again to leave at once)');
    abort.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return abort;
}

async function scenario(ctx: DemoContext, worker: DemoWorker, storeDir: string, started: number): Promise<boolean> {
  const total = Object.values(ctx.counts).reduce((a, b) => a + b, 0);
  // The worker bundles its workflow code (seconds of CPU) while the sample is written (the server's work).
  const workerStarted = worker.start(ctx.signal);
  workerStarted.catch(() => undefined); // awaited below; a Ctrl-C before then must not be an unhandled rejection
  await step(ctx, `sample source: ${total} documents in 3 databases on ${addresses.source}`, async () => {
    const bars = new Bars([{ key: 'seed', label: 'documents', total }]);
    let n = 0;
    await seedSample(ctx.source, ctx.names, ctx.counts, (k) => bars.update('seed', (n += k)));
    bars.stop();
  });
  await step(ctx, `worker on task queue ${ctx.names.taskQueue} (bundled while the sample was written), and the write workload (${ctx.size.writesPerSecond} writes/s)`, async () => {
    await workerStarted;
    await ctx.workload.start();
  });
  await step(ctx, `backup job ${ctx.names.jobId}: initial sync (watch it: ${uiLink(`job/${ctx.names.jobId}`)})`, () => createAndSync(ctx, total));
  const moment = await step(ctx, `the first snapshot (triggered now; the Schedule takes one every ${ctx.size.snapshotEverySeconds} s), and a second to restore to`, async () => {
    await triggerSnapshot(ctx);
    const bars = new Bars([{ key: 'snapshots', label: 'snapshots', total: 1 }]);
    await awaitSnapshots(ctx, 1, bars);
    bars.stop();
    const m = await takeMoment(ctx);
    await awaitWindow(ctx, m.second);
    return m;
  });
  // The follow goes on while the restore runs (and so does the writer): its later snapshots need the head
  // to move, once per capture call, so they are watched from now and reported after the restore.
  const following = watchFollow(ctx);
  const restore = await step(ctx, 'restore to the chosen second into new databases, and verify', () => restoreMoment(ctx, moment));
  const { snapshots } = await step(ctx, `following: ${ctx.size.snapshots} snapshots in all, and the head catches up with the source (watched since the restore began)`, async () => {
    const f = await following;
    reportFollow(ctx, f);
    return f;
  });
  await ctx.workload.stop();
  const all = await ctx.catalog.snapshots.list(ctx.names.jobId);
  const summary = await summarize(ctx, { snapshots: all.length >= snapshots.length ? all : snapshots, storeDir, restore, totalMs: Date.now() - started });
  return summary.ok;
}

/** The cleanup removes the run's directory: a failed run's worker log is copied out first, to be read. */
function keepLog(logFile: string, runId: string): string {
  const kept = join(tmpdir(), `headwater-demo-${runId}-worker.log`);
  try {
    copyFileSync(logFile, kept);
    return kept;
  } catch {
    return `none (${logFile} could not be copied)`;
  }
}

async function run(size: DemoSize, keep: boolean): Promise<number> {
  const names = demoNames(newRunId());
  const abort = interruptible();
  const started = Date.now();
  const { configFile, storeDir, logFile } = writeConfig(names);
  const worker = new DemoWorker(configFile, logFile);
  say(`Headwater demo, run ${names.runId}: Temporal ${addresses.temporal} (UI http://127.0.0.1:${process.env.HW_TEMPORAL_UI_PORT ?? 8233}), source ${addresses.source}, head ${addresses.head}`);
  return withClients(names, async ({ hw, source, head }) => {
    const c = counts(size.scale);
    const ctx: DemoContext = {
      names, size, counts: c, signal: abort.signal, hw, source, head,
      catalog: new Catalog(head, names.catalogDb),
      workload: new Workload(source, names, c, size.writesPerSecond),
      timings: [], phases: [], lag: { samples: 0, maxCapture: 0, maxApply: 0 }, warnings: [],
    };
    let code = 1;
    // Ctrl-C ends the run at once, even inside a call that cannot be cancelled (a job command waiting on
    // its update): cleanup terminates the workflows, which ends that call; its late error is dropped.
    const running = scenario(ctx, worker, storeDir, started);
    running.catch(() => undefined);
    const interrupted = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true }));
    try {
      code = (await Promise.race([running, interrupted])) ? 0 : 1;
    } catch (err) {
      if (!abort.signal.aborted) say(`\nFAILED: ${(err as Error).message}\n  the worker's log, kept: ${keepLog(logFile, names.runId)}`);
      code = abort.signal.aborted ? 130 : 1;
    } finally {
      await ctx.workload.stop();
    }
    if (keep && !abort.signal.aborted) {
      await worker.stop();
      say(`\nkept (--keep): job ${names.jobId} and its Schedules, databases ${names.sourcePrefix}* and ${names.catalogDb}, ${names.dir}`);
      say(`the job waits for a worker: HEADWATER_CONFIG=${names.dir}/headwater.yaml npm run worker`);
      say(`remove it all with: npm run demo -- --clean ${names.runId}`);
      return code;
    }
    say('\n== cleaning up: the job\'s Schedules and workflows, the worker, the databases and store the demo made');
    const failures = await cleanup({ names, temporal: hw.temporal, source, head, stopWorker: () => worker.stop() });
    for (const f of failures) say(`  could not ${f}`);
    say(failures.length === 0 ? '  removed (the finished workflows stay in the Temporal UI\'s history)' : `  remove the rest with: npm run demo -- --clean ${names.runId}`);
    return failures.length === 0 ? code : 1;
  });
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  if (o.mode === 'help') return (console.log(USAGE), 0);
  if (o.mode === 'clean') {
    const names = demoNames(o.runId);
    const failures = await withClients(names, ({ hw, source, head }) => cleanup({ names, temporal: hw.temporal, source, head }));
    for (const f of failures) console.log(`could not ${f}`);
    console.log(failures.length === 0 ? `removed what demo run ${o.runId} made` : 'some of it is left (see above)');
    return failures.length === 0 ? 0 : 1;
  }
  return run(SIZES[o.size], o.keep);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo: ${(err as Error).message}`);
    process.exit(2);
  },
);
