/**
 * Bad input as a new user types it, through the real CLI process (and the real worker entry for its
 * config file): each case must give one line `headwater: <message>` naming what was wrong, the
 * documented exit code (2 refused, 1 failed), and no stack trace unless --debug. Workflow failures run
 * against the dev server and an in-process worker on a task queue of its own.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Worker } from '@temporalio/worker';
import { stringify } from 'yaml';
import { createActivities } from '../../src/activities/index.js';
import { loadConfig } from '../../src/config/load.js';
import { workflowsPath } from '../../src/worker/bundle.js';
import { createDeps, type Deps } from '../../src/worker/deps.js';
import { freePort } from '../harness/ferret.js';
import { uniqueName } from '../harness/services.js';
import { bundle, createWorker, nativeConnection } from '../harness/temporal.js';
import { writeWorkerConfig } from '../harness/worker-process.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

function run(entry: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
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

// Each case is its own CLI process, mostly waiting on tsx: run them side by side.
describe('bad input gets one clear line and the documented exit code', { concurrency: 4 }, () => {
  const cfg = writeWorkerConfig(uniqueName('hw-badinput'));
  const cli = (...args: string[]) => run('src/client/cli/main.ts', args, { HEADWATER_CONFIG: cfg.configFile });
  const job = uniqueName('b').replace(/_/g, '-').slice(0, 18);

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
  ];
  for (const [what, args, want] of refusals) {
    it(`refuses ${what}: exit 2`, async () => assertOneLine(await cli(...args), want, 2));
  }

  it('prints the stack trace with --debug, and with HEADWATER_DEBUG=1', async () => {
    const args = ['sync', 'start', job, '--source', 'source', '--sync-number', 'abc'];
    for (const r of [await cli(...args, '--debug'), await run('src/client/cli/main.ts', args, { HEADWATER_CONFIG: cfg.configFile, HEADWATER_DEBUG: '1' })]) {
      assert.match(r.err, /^headwater: invalid --sync-number 'abc'/);
      assert.match(r.err, STACK);
      assert.equal(r.code, 2);
    }
  });

  it('refuses an invalid config file naming the file and the field: exit 2', async () => {
    const bad = file('schema.yaml', stringify({ connections: { head: { uri: 'http://nowhere' } }, stores: {} }));
    const r = await run('src/client/cli/main.ts', ['snapshot', 'list', job], { HEADWATER_CONFIG: bad });
    assertOneLine(r, new RegExp(`invalid configuration file '${bad}': connections\\.head\\.uri: must be a mongodb:// or mongodb\\+srv:// uri`), 2);
  });

  it('names the address and how to start temporal when it is not answering: exit 1', async () => {
    const port = await freePort();
    const down = file('down.yaml', stringify({ ...loadConfig({ HEADWATER_CONFIG: cfg.configFile }), temporal: { address: `127.0.0.1:${port}` } }));
    const r = await run('src/client/cli/main.ts', ['sync', 'status', job], { HEADWATER_CONFIG: down });
    assertOneLine(r, new RegExp(`unable to connect to temporal at 127\\.0\\.0\\.1:${port} .*'npm run services -- up temporal'`), 1);
  });

  it('the worker: invalid yaml, a schema-invalid field, a missing file are one line each: exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      [file('bad.yaml', 'temporal: [1\n  bad: {'), /invalid configuration file '.*bad\.yaml': not valid yaml: /],
      [file('field.yaml', stringify({ connections: {}, stores: { default: { type: 'fs' } } })), /invalid configuration file '.*field\.yaml': stores\.default\.path: /],
      [join(dir, 'missing.yaml'), /unable to read configuration file '.*missing\.yaml' \(ENOENT\)/],
    ];
    for (const [config, want] of cases) {
      assertOneLine(await run('src/worker/main.ts', [], { HEADWATER_CONFIG: config }), want, 2, 'headwater worker');
    }
  });

  describe('a workflow that fails says why, in its own words', () => {
    let deps: Deps;
    let worker: Worker;
    let running: Promise<void>;
    before(async () => {
      deps = createDeps(loadConfig({ HEADWATER_CONFIG: cfg.configFile }));
      const [connection, workflowBundle] = await Promise.all([nativeConnection(), bundle(workflowsPath)]);
      worker = await createWorker({ connection, taskQueue: cfg.taskQueue, workflowBundle, activities: createActivities(deps) });
      running = worker.run();
    });
    after(async () => {
      worker.shutdown();
      await running;
      await deps.close();
    });

    it('an unknown source connection: the ConnectionNotFound failure, exit 2', async () => {
      const r = await cli('sync', 'start', job, '--source', 'nosuch', '--wait');
      assertOneLine(r, /'nosuch'.*\(ConnectionNotFound\)$/, 2);
    });

    it('a workflow that does not exist: named, exit 2', async () => {
      const r = await cli('sync', 'status', `${job}-none`);
      assertOneLine(r, new RegExp(`workflow '.*${job}-none.*' is not known to temporal`), 2);
    });
  });
});
