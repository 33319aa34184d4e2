/**
 * Every command of README.md's "Using it" block, run as written on the local services: the block is parsed
 * from the README itself, so a command that changes there is tested there. What the README leaves to the
 * reader comes from this test's own setup: `shop` is a fresh database (and job) of its own, `<snapshotId>`
 * and `<time>` are read from the catalog, `dump/` is a temporary directory, and `npm run worker` is the
 * same worker entry point started as a child process. Each command must exit 0 and print plain text.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { JobClient } from '../../src/client/job-client.js';
import { loadConfig } from '../../src/config/load.js';
import { listHeadDatabases } from '../../src/job/head-databases.js';
import { restoreWindow, windowSummary } from '../../src/restore/restore-window.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { cliCommand } from '../harness/build.js';
import { forgetJob } from '../harness/catalog.js';
import { startFerret } from '../harness/ferret.js';
import { mongoClient } from '../harness/services.js';
import { connectTemporal } from '../harness/temporal.js';
import { WorkerProcess, writeWorkerConfig, type WorkerConfig } from '../harness/worker-process.js';
import { until as waitUntil } from '../harness/until.js';

const ESC = String.fromCharCode(27);

/** The commands of the first sh block under "## Using it", comments and blank lines dropped. */
export function usingItCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## Using it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'README.md has an sh block under "## Using it"');
  return block[1]!
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '');
}

function run(configFile: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(...cliCommand(...args), { env: { ...process.env, HEADWATER_CONFIG: configFile } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const until = <T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean) => waitUntil(what, probe, ok, { pauseMs: 1000 });

describe("README's 'Using it' commands (local services, real worker process)", () => {
  const name = `shop${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`.replace(/[^a-z0-9]/g, '');
  let cfg: WorkerConfig;
  // `source` is a private FerretDB: the shared one's oplog carries every other test's writes, which the sync must read through.
  let src: Awaited<ReturnType<typeof startFerret>>;
  let source: MongoClient;
  let worker: WorkerProcess;
  const dumpDir = mkdtempSync(join(tmpdir(), 'hw-readme-dump-'));
  const head = mongoClient('head');
  let t: Awaited<ReturnType<typeof connectTemporal>>;
  let deps: Deps;
  let jobs: JobClient;

  before(async () => {
    src = await startFerret({ oplogBytes: 8 * 1024 * 1024 });
    source = new MongoClient(src.uri);
    cfg = writeWorkerConfig(`hw-readme-${name}`, { source: { uri: src.uri } });
    worker = new WorkerProcess(cfg);
    t = await connectTemporal();
    deps = createDeps(loadConfig({ HEADWATER_CONFIG: cfg.configFile }));
    jobs = new JobClient(t.client, cfg.taskQueue);
    await source.db(name).collection('orders').insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i, sku: `sku-${i % 17}`, qty: i % 5 })) as never[]);
  });
  after(async () => {
    for (const id of [workflowIds.job(name), workflowIds.tail(name)]) await t.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    for (const id of [scheduleIds.snapshot(name), scheduleIds.groom(name)]) await t.client.schedule.getHandle(id).delete().catch(() => undefined);
    await worker.stop();
    for (const d of await listHeadDatabases(head, name)) await head.db(d.name).dropDatabase();
    await head.db(`${name}_restored`).dropDatabase();
    await forgetJob(head, name);
    rmSync(dumpDir, { recursive: true, force: true });
    await Promise.all([head.close(), source.close(), deps.close(), t.connection.close()]);
    await src.stop();
  });

  const pollers = async () =>
    (await t.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: cfg.taskQueue, kind: 1 }, taskQueueType: 1 })).pollers?.length ?? 0;

  /** Values the README leaves to the reader, from this test's own job. */
  async function placeholder(token: string): Promise<string> {
    if (token === '<snapshotId>') return (await deps.catalog.snapshots.list(name)).at(-1)!._id;
    if (token === '<time>') {
      // A write after the snapshot, then a window that reaches past it: the restore replays oplog to it.
      await source.db(name).collection('orders').insertOne({ _id: 1000 as never, sku: 'after the snapshot', qty: 1 });
      // Read after the acknowledgement: the entry's ts second is at or before it (read before the insert,
      // the second could tick over in between and the window end one second short of the write).
      const wrote = Math.floor(Date.now() / 1000);
      // A second counts as restorable once an entry of a later second is captured: an idle source gets ticks.
      const w = await until(
        'a window past the write',
        async () => {
          await source.db(name).collection('ticks').insertOne({ at: new Date() });
          return windowSummary(await restoreWindow(deps.catalog, name)).ranges.at(-1)!;
        },
        (r) => Date.parse(r.lastSecond) / 1000 >= wrote,
      );
      return w.lastSecond;
    }
    assert.fail(`a placeholder this test cannot fill: ${token}`);
  }

  /** What a reader waits for after a command before the next one. */
  async function afterCommand(sub: string): Promise<void> {
    if (sub === 'job start') await until('the job Active and following', () => jobs.jobStatus(name), (s) => s.state === 'Active' && s.follow !== undefined);
  }

  it('runs every command of the block, each exiting 0 with plain output', async () => {
    const commands = usingItCommands(readFileSync('README.md', 'utf8'));
    assert.ok(commands.length >= 10, commands.join('\n'));
    const seen: string[] = [];
    for (const command of commands) {
      if (command === 'npm run worker') {
        await worker.start();
        // A reader waits for "headwater worker started"; the test waits for its first poll (the CLI refuses to start work no worker polls for).
        await until('the worker polling', () => pollers(), (n) => n > 0);
        seen.push('worker');
        continue;
      }
      assert.match(command, /^npx headwater /, `every other line is a headwater command: ${command}`);
      assert.doesNotMatch(command, /["'`$|;&]/, `no shell syntax the test would have to interpret: ${command}`);
      const args: string[] = [];
      for (const word of command.split(/\s+/).slice(2)) {
        if (/^<\w+>$/.test(word)) args.push(await placeholder(word));
        else if (word === 'dump/') args.push(dumpDir);
        else args.push(word.replaceAll('shop', name));
      }
      const r = await run(cfg.configFile, args);
      assert.equal(r.code, 0, `${command}\n${r.out}\n${r.err}`);
      assert.ok(!r.out.includes(ESC), `plain output on a pipe (no progress bar): ${command}`);
      const sub = args.slice(0, 2).join(' ');
      seen.push(sub);
      if (sub === 'status') assert.match(r.out, new RegExp(`^${name}\\s+Active\\s+following`, 'm'));
      if (sub === 'snapshot verify') assert.match(r.out, /chunks read, 1 collections: ok$/m);
      if (sub === 'restore start') {
        assert.match(r.out, /^restore \S+ complete: .* verified by count and content hash; replayed \d+ oplog entries/m);
        assert.equal(await head.db(`${name}_restored`).collection('orders').countDocuments({ _id: 1000 as never }), 1, 'the write after the snapshot is restored');
      }
      if (sub === 'restore export') assert.ok(existsSync(join(dumpDir, name, 'orders.bson')), r.out);
      await afterCommand(sub);
    }
    assert.ok(seen.includes('worker') && seen.includes('restore start') && seen.includes('job terminate'), seen.join(', '));
  });
});
