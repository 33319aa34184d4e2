/**
 * Bad input as a new user types it, through the real CLI process (and the real worker entry for its
 * config file): each case must give one line `headwater: <message>` naming what was wrong, the
 * documented exit code (2 refused, 1 failed), and no stack trace unless --debug. Cases that reach the
 * catalog, a store or a restore target also prove that nothing there changed (fingerprints before and
 * after). Workflow cases share one in-process worker, one snapshot setup and one backup job, which is
 * walked through every state (Inactive, Initial Sync, Active, Active with "backup requires a resync",
 * Stopped) on a private FerretDB with a tiny oplog and refused every command its state does not allow.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { MongoClient as Mongo, Timestamp, type MongoClient } from 'mongodb';
import { stringify } from 'yaml';
import { createActivities } from '../../src/activities/index.js';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import { loadKey } from '../../src/codec/keys.js';
import { loadConfig } from '../../src/config/load.js';
import { RESYNC_REQUIRED } from '../../src/contracts/job.js';
import { snapshotId } from '../../src/snapshot/snapshot-keys.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import type { Deps } from '../../src/activities/deps.js';
import { createDeps } from '../../src/worker/deps.js';
import { scheduleIds, workflowIds } from '../../src/workflows/ids.js';
import { cliCommand } from '../harness/build.js';
import { freePort, startFerret } from '../harness/ferret.js';
import { fingerprint, type Fingerprint } from '../harness/fingerprint.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { bundle, connectTemporal, createWorker, nativeConnection } from '../harness/temporal.js';
import { until } from '../harness/until.js';
import { writeWorkerConfig } from '../harness/worker-process.js';
import { makeHead, newJobId, snapshotNow, type TestHead } from '../snapshot/fixtures.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `[command, args]`: the CLI's from cliCommand(), or the worker entry's. */
function run([command, args]: [string, string[]], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    // The AWS SDK warns about the Node version on stderr; it is not the command's output.
    child.on('close', (code) => resolve({ code: code ?? -1, out, err: err.split('\n').filter((l) => !/AWS SDK|NodeJS \d|node >=|a\.co\/|upgrade|versions published|will require|To continue|security updates|trace-warnings/.test(l)).join('\n') }));
  });
}

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** One line on stderr, `<prefix>: ...` matching `want`, the exit code, and no stack trace. */
function assertOneLine(r: Run, want: RegExp, code: number, prefix = 'headwater'): void {
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
  assert.ok(lines[0]!.startsWith(`${prefix}: `), lines[0]);
  assert.match(lines[0]!, want);
  assert.doesNotMatch(r.err, STACK);
  assert.equal(r.code, code, `exit code (stderr: ${r.err})`);
}

const dir = mkdtempSync(join(tmpdir(), 'hw-badinput-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// Each case is its own CLI process (the prebuilt one, test/harness/build.ts): run them side by side.
describe('bad input gets one clear line and the documented exit code', { concurrency: 4 }, () => {
  const cfg = writeWorkerConfig(uniqueName('hw-badinput'));
  const cli = (...args: string[]) => run(cliCommand(...args), { HEADWATER_CONFIG: cfg.configFile });
  const job = uniqueName('b').replace(/_/g, '-').slice(0, 18);
  const base = loadConfig({ HEADWATER_CONFIG: cfg.configFile });

  /** Argument cases: refused before anything connects. */
  const refusals: Array<[string, string[], RegExp]> = [
    ['a sync number that is not a number', ['sync', 'start', job, '--source', 'source', '--sync-number', 'abc'], /^headwater: invalid --sync-number 'abc': expected a whole number of at least 1$/],
    ['a sync number of zero (sync status)', ['sync', 'status', job, '--sync-number', '0'], /invalid --sync-number '0'/],
    ['parallelism out of range', ['sync', 'start', job, '--source', 'source', '--parallelism', '99'], /invalid --parallelism '99': expected a whole number from 1 to 32/],
    ['a fractional sync number (follow)', ['follow', 'start', job, '--source', 'source', '--from', '1700000000,1', '--sync-number', '1.5'], /invalid --sync-number '1\.5'/],
    ['a negative sync number (snapshot take)', ['snapshot', 'take', job, '--sync-number', '-3'], /invalid --sync-number '-3'/],
    ['a groom policy that is not json', ['groom', 'run', job, '--policy', 'nope'], /--policy is not JSON/],
    ['a retention count out of range', ['groom', 'run', job, '--policy', '{"keep":{"daily":-1}}'], /invalid --policy: keep\.daily: too small/],
    ['a groom interval that is not one', ['groom', 'schedule', job, '--every', '7x'], /invalid --every '7x': every is a whole number of minutes, hours or days/],
    ['a groom interval of zero', ['groom', 'schedule', job, '--every', '0m'], /invalid --every '0m'/],
    ['a snapshot interval of zero hours', ['job', 'create', job, '--source', 'source', '--interval-hours', '0'], /invalid job definition: retention\.intervalHours/],
    ['a negative retention count', ['job', 'create', job, '--source', 'source', '--keep-daily', '-1'], /invalid job definition: retention\.keep\.daily/],
    ['a window that is not a number', ['job', 'create', job, '--source', 'source', '--window-hours', 'abc'], /invalid job definition: retention\.pointInTimeHours/],
    ['a read preference that is no mode', ['job', 'create', job, '--source', 'source', '--read-preference', 'secondry'], /^headwater: invalid job definition: readPreference\.mode: /],
    ['read tags with the primary', ['job', 'create', job, '--source', 'source', '--read-preference', 'primary', '--read-tags', '[{"dc":"east"}]'], /^headwater: invalid job definition: readPreference: tag sets need a mode other than primary$/],
    ['read tags that are not json', ['job', 'create', job, '--source', 'source', '--read-tags', 'dc=east'], /^headwater: invalid --read-tags 'dc=east': expected a JSON array of tag sets/],
  ];
  for (const [what, args, want] of refusals) {
    it(`refuses ${what}: exit 2`, async () => assertOneLine(await cli(...args), want, 2));
  }

  it('the help shows the job path: sync and follow are internal, hidden but still answering', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0, help.err);
    for (const c of ['job', 'restore', 'snapshot', 'status']) assert.match(help.out, new RegExp(`^  ${c} `, 'm'), `${c} listed`);
    for (const c of ['sync', 'follow']) assert.doesNotMatch(help.out, new RegExp(`^  ${c} `, 'm'), `${c} hidden`);
    const sync = await cli('sync', '--help');
    assert.equal(sync.code, 0, sync.err);
    assert.match(sync.out, /internal: one initial sync by hand/);
  });

  it('prints the stack trace with --debug, and with HEADWATER_DEBUG=1', async () => {
    const args = ['sync', 'start', job, '--source', 'source', '--sync-number', 'abc'];
    for (const r of [await cli(...args, '--debug'), await run(cliCommand(...args), { HEADWATER_CONFIG: cfg.configFile, HEADWATER_DEBUG: '1' })]) {
      assert.match(r.err, /^headwater: invalid --sync-number 'abc'/);
      assert.match(r.err, STACK);
      assert.equal(r.code, 2);
    }
  });

  /** Configuration files the CLI refuses, naming the file and the field. */
  const configs: Array<[string, string, RegExp]> = [
    ['a uri that is not mongodb', stringify({ connections: { head: { uri: 'http://nowhere' } }, stores: {} }), /connections\.head\.uri: must be a mongodb:\/\/ or mongodb\+srv:\/\/ uri/],
    ['invalid yaml', 'temporal: [1\n  bad: {', /not valid yaml: /],
    ['an unknown top-level key', stringify({ ...base, sourcee: { uri: 'mongodb://x' } }), /\(root\): unrecognized key: "sourcee"/i],
    ['an unknown key in a store', stringify({ ...base, stores: { default: { type: 'fs', path: '/tmp/x', compress: true } } }), /stores\.default: unrecognized key: "compress"/i],
    ['a uri with no host', stringify({ ...base, connections: { ...base.connections, source: { uri: 'mongodb://' } } }), /connections\.source\.uri: not a valid mongodb uri/],
    ['a uri with an unknown option', stringify({ ...base, connections: { ...base.connections, source: { uri: 'mongodb://127.0.0.1:27117/?replicaSett=rs0' } } }), /connections\.source\.uri: not a valid mongodb uri: option replicasett is not supported/],
    ['a metrics port out of range', stringify({ ...base, metrics: { port: 70000 } }), /metrics\.port: too big/i],
  ];
  for (const [what, text, want] of configs) {
    it(`refuses a configuration file with ${what}: exit 2`, async () => {
      const bad = file(`${uniqueName('cfg')}.yaml`, text);
      const r = await run(cliCommand('snapshot', 'list', job), { HEADWATER_CONFIG: bad });
      assertOneLine(r, new RegExp(`invalid configuration file '${bad}': .*${want.source}`, want.flags), 2);
    });
  }

  it('refuses a uri with a bad port without printing its password: exit 2', async () => {
    const bad = file('password.yaml', stringify({ ...base, connections: { ...base.connections, source: { uri: 'mongodb://ops:Sup3rSecretPw@127.0.0.1:99999/' } } }));
    const r = await run(cliCommand('snapshot', 'list', job), { HEADWATER_CONFIG: bad });
    assertOneLine(r, /connections\.source\.uri: not a valid mongodb uri/, 2);
    assert.doesNotMatch(r.err + r.out, /Sup3rSecretPw/);
  });

  it('names the address and how to start temporal when it is not answering: exit 1', async () => {
    const port = await freePort();
    const down = file('down.yaml', stringify({ ...base, temporal: { address: `127.0.0.1:${port}` } }));
    const r = await run(cliCommand('sync', 'status', job), { HEADWATER_CONFIG: down });
    assertOneLine(r, new RegExp(`unable to connect to temporal at 127\\.0\\.0\\.1:${port} .*'npm run services -- up temporal'`), 1);
  });

  it('the worker: invalid yaml, a schema-invalid field, a missing file are one line each: exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      [file('bad.yaml', 'temporal: [1\n  bad: {'), /invalid configuration file '.*bad\.yaml': not valid yaml: /],
      [file('field.yaml', stringify({ connections: {}, stores: { default: { type: 'fs' } } })), /invalid configuration file '.*field\.yaml': stores\.default\.path: /],
      [join(dir, 'missing.yaml'), /unable to read configuration file '.*missing\.yaml' \(ENOENT\)/],
    ];
    for (const [config, want] of cases) {
      assertOneLine(await run([process.execPath, ['--import', 'tsx', 'src/worker/main.ts']], { HEADWATER_CONFIG: config }), want, 2, 'headwater worker');
    }
  });

  describe('no worker polls the task queue: said at once, exit 1, nothing left pending', () => {
    const idle = writeWorkerConfig(uniqueName('hw-noworker'));
    const idleCli = (...args: string[]) => run(cliCommand(...args), { HEADWATER_CONFIG: idle.configFile });
    const cases: Array<[string, string[], string]> = [
      ['sync start', ['sync', 'start', `${job}-nw`, '--source', 'source', '--wait'], workflowIds.initialSync(`${job}-nw`, 1)],
      ['job create', ['job', 'create', `${job}-nw`, '--source', 'source'], workflowIds.job(`${job}-nw`)],
    ];
    for (const [what, args, workflowId] of cases) {
      it(`${what}`, async () => {
        // Without the check, `--wait` waited for ever and `job create` about 50 s, saying nothing.
        const r = await idleCli(...args);
        assertOneLine(r, new RegExp(`no worker is polling task queue '${idle.taskQueue}' on temporal at ${services.temporal.address.replace(/\./g, '\\.')} .*nothing was started; start one with 'npm run worker'`), 1);
        const t = await connectTemporal();
        try {
          await assert.rejects(t.client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError, `${workflowId} was not started`);
        } finally {
          await t.connection.close();
        }
      });
    }
  });

  describe('with a worker: refused or failed in the workflow\'s own words, and nothing changed', { concurrency: 1 }, () => {
    const p = uniqueName('bi');
    const catalogDb = `${p}_cat`;
    const target = (n: string) => `${p}_t${n}`;
    const wrongKey = randomBytes(32).toString('hex');
    let deps: Deps;
    let head: MongoClient;
    let h: TestHead;
    let native: NativeConnection;
    let tiny: Awaited<ReturnType<typeof startFerret>>;
    // Workflows and activities in two workers on one task queue: with the activity worker stopped, the job
    // still answers its commands (validators run in workflow tasks) while its sync and follow stand still.
    let workflows: { w: Worker; running: Promise<void> };
    let activities: { w: Worker; running: Promise<void> } | undefined;
    let snap: string;
    let sealed: string;
    let wcfg: ReturnType<typeof writeWorkerConfig>;
    let wcli: (...args: string[]) => Promise<Run>;
    const stateJob = newJobId('bix');
    /** Jobs whose `job create` names a connection, store or key the worker lacks: none may exist after. */
    const unborn = { source: newJobId('bus'), head: newJobId('buh'), store: newJobId('but'), key: newJobId('buk') };
    const mine = (db: string) => db.startsWith(p) || db.includes(h.jobId) || db.includes(stateJob);
    // The catalog's `restores` collection is the log of restore attempts: a refused one is recorded there
    // as failed, by design (src/catalog/restores.ts); everything else must stay as it was.
    const state = () => fingerprint({ client: head, databases: mine, dirs: [wcfg.storeDir], ignore: (db, coll) => db === catalogDb && coll === 'restores' });

    before(async () => {
      // The worker runs in this process: it resolves the key variables and S3 credentials from here.
      process.env.HW_BI_KEY = randomBytes(32).toString('hex');
      process.env.HW_BI_WRONG_KEY = wrongKey;
      process.env.HW_BI_S3_ID = services.minio.accessKeyId;
      process.env.HW_BI_S3_SECRET = 'not-the-minio-secret';
      const notADir = file('not-a-dir', 'a file, so no store can be made under it');
      // The state job's source: quiet (nothing else writes to it) and with an oplog that rolls over fast.
      tiny = await startFerret({ oplogBytes: 64 * 1024, cappedCleanupSeconds: 1 });
      wcfg = writeWorkerConfig(uniqueName('hw-badinput-w'), {
        tiny: { uri: tiny.uri },
        target: { uri: services.head.uri },
        badcreds: { uri: services.source.uri.replace('mongodb://', 'mongodb://nobody:wrongpw@') },
      }, {
        catalog: { connection: 'head', database: catalogDb },
        stores: {
          broken: { type: 'fs', path: join(notADir, 'store') },
          s3bad: { type: 's3', bucket: services.minio.bucket, prefix: `bad/${p}`, endpoint: services.minio.endpoint, forcePathStyle: true, accessKeyIdEnv: 'HW_BI_S3_ID', secretAccessKeyEnv: 'HW_BI_S3_SECRET' },
        },
      });
      wcli = (...args: string[]) => run(cliCommand(...args), { HEADWATER_CONFIG: wcfg.configFile, HW_BI_WRONG_KEY: wrongKey });
      head = mongoClient('head');
      deps = createDeps(loadConfig({ HEADWATER_CONFIG: wcfg.configFile }));
      h = await makeHead(head, deps.catalog, { jobId: newJobId('bi'), collections: [{ name: 'a', count: 40 }, { name: 'b', count: 10 }] });
      const T0 = new Timestamp({ t: 1_700_000_100, i: 1 });
      await snapshotNow({ head, store: deps.store('default'), catalog: deps.catalog, plan: h.plan, ts: T0, storeId: 'default' });
      snap = snapshotId(h.jobId, T0);
      const T1 = new Timestamp({ t: 1_700_000_200, i: 1 });
      const codec = { compression: 'zstd' as const, key: loadKey({ env: 'HW_BI_KEY' }) };
      await snapshotNow({ head, store: deps.store('default'), catalog: deps.catalog, plan: h.plan, ts: T1, codec, storeId: 'default' });
      sealed = snapshotId(h.jobId, T1);
      await head.db(target('full')).collection('a').insertOne({ _id: 'already here' } as never);
      native = await nativeConnection();
      const w = await createWorker({ connection: native, taskQueue: wcfg.taskQueue, workflowBundle: await bundle(workflowsPath) });
      workflows = { w, running: w.run() };
      // Drained when stopped (the first stop holds a sync between two activities, none cut off mid-way).
      await startActivities('1m');
    });
    after(async () => {
      await stopActivities();
      workflows?.w.shutdown();
      await workflows?.running;
      for (const { name } of (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases) {
        if (mine(name)) await head.db(name).dropDatabase();
      }
      await deps?.close();
      await native?.close();
      await head?.close();
      await tiny?.stop();
    });

    /** @param shutdownGraceTime how long a stop lets running activities finish before cancelling them */
    async function startActivities(shutdownGraceTime: string): Promise<void> {
      const w = await Worker.create({ connection: native, namespace: 'default', taskQueue: wcfg.taskQueue, activities: createActivities(deps), shutdownGraceTime });
      activities = { w, running: w.run() };
    }
    async function stopActivities(): Promise<void> {
      activities?.w.shutdown();
      await activities?.running;
      activities = undefined;
    }

    /** [what, args, the message, exit code]: every one leaves the catalog, the stores and the targets as they were. */
    const cases: Array<[string, () => string[], RegExp, number]> = [
      ['an unknown source connection', () => ['sync', 'start', `${h.jobId}-x`, '--source', 'nosuch', '--wait'], /'nosuch'.*\(ConnectionNotFound\)$/, 2],
      ['a workflow that does not exist', () => ['sync', 'status', `${h.jobId}-none`], /workflow '.*-none.*' is not known to temporal/, 2],
      ['a snapshot id that does not exist (restore)', () => ['restore', 'start', '--snapshot', `${h.jobId}/1600000000.1`, '--target', 'target', '--rename', `src=${target('1')}`], /snapshot '.*\/1600000000\.1' is not in the catalog/, 2],
      ['a snapshot id that does not exist (verify)', () => ['snapshot', 'verify', `${h.jobId}/1600000000.1`], /1600000000/, 2],
      ['a restore time outside the window', () => ['restore', 'start', '--job', h.jobId, '--to-time', '2001-01-01T00:00:00Z', '--target', 'target', '--rename', `src=${target('2')}`], /outside the point-in-time window/, 2],
      ['a target that is not empty', () => ['restore', 'start', '--snapshot', snap, '--target', 'target', '--rename', `src=${target('full')}`], /not empty/, 2],
      ['an unknown target connection', () => ['restore', 'start', '--snapshot', snap, '--target', 'nosuch', '--rename', `src=${target('3')}`], /'nosuch'/, 2],
      ['an unknown namespace', () => ['restore', 'start', '--snapshot', snap, '--target', 'target', '--ns', 'nodb.nocoll', '--rename', `nodb=${target('4')}`], /nodb\.nocoll/, 2],
      ['a wrong encryption key (restore)', () => ['restore', 'start', '--snapshot', sealed, '--key-env', 'HW_BI_WRONG_KEY', '--target', 'target', '--rename', `src=${target('5')}`], /key/i, 2],
      ['a wrong encryption key (verify)', () => ['snapshot', 'verify', sealed, '--key-env', 'HW_BI_WRONG_KEY'], /key/i, 2],
      ['an unknown store', () => ['snapshot', 'take', h.jobId, '--store', 'nosuch'], /unknown store 'nosuch'/, 2],
      ['an unknown store to groom', () => ['groom', 'run', h.jobId, '--store', 'nosuch'], /unknown store 'nosuch'/, 2],
      ['a store that is not writable', () => ['snapshot', 'take', h.jobId, '--store', 'broken'], /cannot store .* in fs:.*not-a-dir\/store/, 2],
      ['wrong S3 credentials', () => ['snapshot', 'take', h.jobId, '--store', 's3bad'], /s3|access|credential|signature/i, 1],
      ['wrong source credentials', () => ['sync', 'start', `${h.jobId}-c`, '--source', 'badcreds', '--wait'], /badcreds|authenticat|credential/i, 1],
      ['a restore time that is not a time', () => ['restore', 'start', '--job', h.jobId, '--to-time', 'yesterday', '--target', 'target'], /'yesterday'/, 2],
      ['a snapshot of a job with no sync', () => ['snapshot', 'take', `${h.jobId}-nosync`], /-nosync/, 2],
      // Connection ids, stores and keys resolve only in the worker: job create asks it before storing anything.
      ['an unknown source connection (job create)', () => ['job', 'create', unborn.source, '--source', 'nosuch'], new RegExp(`^headwater: cannot create job '${unborn.source}': source: unknown connection 'nosuch' \\(configured: source, head, tiny, target, badcreds\\)$`), 2],
      ['an unknown head connection (job create)', () => ['job', 'create', unborn.head, '--source', 'source', '--head', 'nosuch'], /: head: unknown connection 'nosuch'/, 2],
      ['an unknown store (job create)', () => ['job', 'create', unborn.store, '--source', 'source', '--store', 'nosuch'], /: store: unknown store 'nosuch' \(configured: default, broken, s3bad\)$/, 2],
      ['an unknown encryption key (job create)', () => ['job', 'create', unborn.key, '--source', 'source', '--key-id', 'nosuch'], /: encryptionKeyId: the encryption key variable HEADWATER_KEY_NOSUCH is not set$/, 2],
    ];
    // Side by side, so one fingerprint before them all and one after: a change is named by collection or file.
    let unchanged: Fingerprint;
    it('takes the fingerprint of the catalog, the store and the targets', async () => {
      unchanged = await state();
      assert.ok(Object.keys(unchanged).some((k) => k.endsWith('.snapshots')), 'the two snapshots are in it');
    });
    // A snapshot's workflow id names the second it was asked for, so two takes of one job in one second
    // would meet each other's workflow (refused as such): the cases that take one of h's take turns.
    let snapshotTurn: Promise<unknown> = Promise.resolve();
    const inTurn = (args: string[]) => {
      if (args[0] !== 'snapshot' || args[1] !== 'take' || args[2] !== h.jobId) return wcli(...args);
      const r = snapshotTurn.then(() => wcli(...args));
      snapshotTurn = r;
      return r;
    };
    describe('each case', { concurrency: 4 }, () => {
      for (const [what, args, want, code] of cases) {
        it(`${what}: exit ${code}`, async () => {
          const r = await inTurn(args());
          assertOneLine(r, want, code);
          assert.doesNotMatch(r.err + r.out, /wrongpw|not-the-minio-secret/, 'no secret in the output');
        });
      }
    });
    it('changed nothing in the catalog, the stores or the targets', async () => {
      const t = await connectTemporal();
      try {
        for (const jobId of Object.values(unborn)) {
          await assert.rejects(t.client.workflow.getHandle(workflowIds.job(jobId)).describe(), WorkflowNotFoundError, `job ${jobId} was not created`);
        }
      } finally {
        await t.connection.close();
      }
      await untilClosed(wcfg.taskQueue);
      assert.deepEqual(await state(), unchanged);
    });

    describe('a command the job\'s state does not allow, in every state', { concurrency: 1 }, () => {
      const jobId = stateJob;
      const sourceDb = 'app';
      let client: HeadwaterClient;
      let source: MongoClient;
      const view = () => client.jobs.view(jobId);
      const stateOf = () => fingerprint({ client: head, databases: mine, dirs: [wcfg.storeDir], ignore: (db, coll) => db === catalogDb && coll === 'restores' });
      /**
       * Refused through the CLI, each naming the state (and condition) and the allowed commands; the job's
       * view, the catalog, the head and the store are as they were. The source is quiet, so even a following
       * job writes nothing while it is asked.
       */
      const refuses = async (commands: string[], state: RegExp, allowed: string) => {
        const was = await view();
        const fp = await stateOf();
        await Promise.all(
          commands.map(async (c) => {
            const r = await wcli('job', c, jobId, ...(c === 'terminate' ? ['--yes'] : []));
            assertOneLine(r, new RegExp(`^headwater: cannot ${c} a job that is ${state.source}: allowed commands? (is|are) ${allowed}$`), 2);
          }),
        );
        const now = await view();
        const seen = (v: typeof was) => ({ state: v.state, condition: v.condition, syncNumber: v.syncNumber, commands: v.counters.commands });
        assert.deepEqual(seen(now), seen(was), 'the job did not move and counted no command');
        assert.deepEqual(await stateOf(), fp);
      };
      before(async () => {
        source = new Mongo(tiny.uri);
        await source.db(sourceDb).collection('c').insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, v: i })) as never[]);
        client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue: wcfg.taskQueue });
      });
      after(async () => {
        if (activities === undefined) await startActivities('0s');
        await client.jobs.command(jobId, 'terminate').catch(() => undefined);
        // Whatever state a failure left it in: no workflow or Schedule of it outlives the test.
        for (const id of [workflowIds.job(jobId), workflowIds.tail(jobId)]) await client.temporal.workflow.getHandle(id).terminate('test over').catch(() => undefined);
        for (const id of [scheduleIds.snapshot(jobId), scheduleIds.groom(jobId)]) await client.temporal.schedule.getHandle(id).delete().catch(() => undefined);
        await client.close();
        await source.close();
      });

      it('Inactive: stop, restart, resync, terminate', async () => {
        // No headroom warning and no Schedule run while the test looks: either would write an event.
        // A member choice, which every read of its syncs must carry (checked once Active).
        const reads = ['--read-preference', 'secondaryPreferred', '--read-tags', '[{"dc":"backup"},{}]'];
        const r = await wcli('job', 'create', jobId, '--source', 'tiny', '--include', sourceDb, '--headroom-warn-seconds', '0', '--interval-hours', '720', ...reads);
        assert.equal(r.code, 0, r.err);
        await refuses(['stop', 'restart', 'resync', 'terminate'], /Inactive/, 'start');
      });
      it('Initial Sync: start, restart, terminate', async () => {
        // Started here, not by the CLI: the activity worker stops before the sync's end (it waits for a
        // capture call of at least 5 s), so the sync stands still in its state while the CLI asks.
        assert.equal((await client.jobs.command(jobId, 'start')).state, 'Initial Sync');
        await stopActivities();
        assert.equal((await view()).state, 'Initial Sync', 'the sync ended before the activity worker stopped');
        await refuses(['start', 'restart', 'terminate'], /Initial Sync/, 'stop');
      });
      it('Active: start, restart, terminate', async () => {
        await startActivities('0s');
        await until(`job ${jobId} Active and following`, view, (v) => v.state === 'Active' && v.phase === 'following');
        // The job's read preference reached the sync's plan, which its T0, copy and capture (and the follow's) read with.
        assert.deepEqual((await deps.catalog.syncs.get(jobId, 1)).reads, { mode: 'secondaryPreferred', tags: [{ dc: 'backup' }, {}] });
        await refuses(['start', 'restart', 'terminate'], /Active/, 'stop, resync');
      });
      it('Active, "backup requires a resync": start, restart, terminate', async () => {
        // With no activity running, nothing is captured past the oplog's newest entry; flooding the tiny
        // oplog until its oldest entry is newer than that leaves the follow a hole to find.
        await stopActivities();
        const newest = await oplogEdge(source, -1);
        for (let i = 0; i < 6; i += 1) await source.db('noise').collection('c').insertMany(Array.from({ length: 100 }, () => ({ pad: 'x'.repeat(500) })));
        await until('the oplog to roll past the captured entry', () => oplogEdge(source, 1), (oldest) => oldest.gt(newest));
        await startActivities('0s');
        await until(`job ${jobId} to need a resync`, view, (v) => v.condition === RESYNC_REQUIRED);
        await refuses(['start', 'restart', 'terminate'], new RegExp(`Active \\(${RESYNC_REQUIRED}\\)`), 'stop, resync');
      });
      it('Stopped: stop, resync, start', async () => {
        assert.equal((await wcli('job', 'stop', jobId)).code, 0);
        await until(`job ${jobId} Stopped`, view, (v) => v.state === 'Stopped');
        await untilClosed(wcfg.taskQueue, jobId);
        // The condition stays with the stopped job: it still needs a new sync (restart) to follow again.
        await refuses(['stop', 'resync', 'start'], new RegExp(`Stopped \\(${RESYNC_REQUIRED}\\)`), 'restart, terminate');
      });
    });
  });
});

/** The oldest (1) or newest (-1) entry's timestamp in the source's oplog. */
async function oplogEdge(source: MongoClient, order: 1 | -1): Promise<Timestamp> {
  const [entry] = await source.db('local').collection('oplog.rs').find({}, { projection: { ts: 1 } }).sort({ $natural: order }).limit(1).toArray();
  assert.ok(entry !== undefined, 'the oplog has entries');
  return entry.ts as Timestamp;
}

/** Waits until no workflow on the task queue is running, except the job's own entity workflow. */
async function untilClosed(taskQueue: string, jobId?: string): Promise<void> {
  const t = await connectTemporal();
  try {
    const running = async () => {
      const ids: string[] = [];
      for await (const w of t.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
        if (jobId === undefined || w.workflowId !== workflowIds.job(jobId)) ids.push(w.workflowId);
      }
      return ids;
    };
    await until(`the workflows on ${taskQueue} to end`, running, (ids) => ids.length === 0);
  } finally {
    await t.connection.close();
  }
}
