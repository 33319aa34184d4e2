/**
 * The metrics a running worker really emits: the real worker process (src/worker/main.ts) runs a backup
 * job on the local services while a writer changes the source; its /metrics endpoint is scraped until
 * the figures move: entries captured and applied, slices and bytes stored, how far capture has reached,
 * lag and headroom, completed activities, and a failure counted by its type. Nothing here sets a value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MongoClient } from 'mongodb';
import { HeadwaterClient } from '../../src/client/headwater-client.js';
import { workflowIds } from '../../src/workflows/ids.js';
import { freePort } from '../harness/ferret.js';
import { startWriter } from '../harness/dataset.js';
import { mongoClient, services, uniqueName } from '../harness/services.js';
import { WorkerProcess, writeWorkerConfig } from '../harness/worker-process.js';
import { newJobId } from '../snapshot/fixtures.js';

/** The samples of one metric, by their label text: `{job="j",kind="oplog"}` -> value. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

describe('the worker\'s metrics move during a real job', () => {
  const cfg = writeWorkerConfig(uniqueName('hw-metrics'), {}, { catalog: { connection: 'head', database: uniqueName('hw_cat_metrics') } });
  const jobId = newJobId('mx');
  const db = uniqueName('mx');
  let port: number;
  let worker: WorkerProcess;
  let client: HeadwaterClient;
  let source: MongoClient;
  let writer: ReturnType<typeof startWriter> | undefined;

  before(async () => {
    port = await freePort();
    worker = new WorkerProcess(cfg, { HEADWATER_METRICS_PORT: String(port) });
    await worker.start();
    // The endpoint opens once the worker has bundled its workflows and connected: wait for it.
    const deadline = Date.now() + 300_000;
    while (!(await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`the worker's metrics endpoint never opened:\n${worker.output}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    source = mongoClient('source');
    await source.db(db).collection('c').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i })) as never[]);
    client = await HeadwaterClient.connect({ address: services.temporal.address, taskQueue: cfg.taskQueue });
  });
  after(async () => {
    await writer?.stop();
    await client.temporal.workflow.getHandle(workflowIds.job(jobId)).terminate('test over').catch(() => undefined);
    await client.temporal.workflow.getHandle(workflowIds.tail(jobId)).terminate('test over').catch(() => undefined);
    await client.close();
    await worker.stop();
    const head = mongoClient('head');
    for (const { name } of (await head.db('admin').admin().listDatabases({ nameOnly: true })).databases) {
      if (name.includes(jobId) || name.startsWith('hw_cat_metrics')) await head.db(name).dropDatabase();
    }
    await head.close();
    await source.db(db).dropDatabase();
    await source.close();
  });

  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (text: string, name: string, labels: string) => samples(text, name).get(labels) ?? 0;
  /** Scrapes until `ok` holds for the text: waits for the event, never a fixed time. */
  async function until(what: string, ok: (text: string) => boolean, ms = 300_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = await scrape();
      if (ok(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last scrape:\n${text.split('\n').filter((l) => l.startsWith('headwater_') && !l.startsWith('headwater_worker_')).join('\n')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  it('counts captured and applied entries, slices, bytes and the capture position, and they grow with the writes', async () => {
    const job = `job="${jobId}"`;
    const idle = await scrape();
    assert.equal(value(idle, 'headwater_oplog_entries_captured_total', `{${job}}`), 0, 'nothing before the job');

    await client.jobs.createJob({ jobId, source: 'source', filter: { include: [db] } }, { captureSeconds: 2 });
    await client.jobs.command(jobId, 'start');
    writer = startWriter(source, [`${db}.c`], { pauseMs: 50 });

    const first = await until('entries applied to the head', (t) => value(t, 'headwater_oplog_entries_applied_total', `{${job}}`) > 0);
    const second = await until('more entries captured and applied, and more slices', (t) =>
      value(t, 'headwater_oplog_entries_captured_total', `{${job}}`) > value(first, 'headwater_oplog_entries_captured_total', `{${job}}`) &&
      value(t, 'headwater_oplog_entries_applied_total', `{${job}}`) > value(first, 'headwater_oplog_entries_applied_total', `{${job}}`) &&
      value(t, 'headwater_slices', `{${job},kind="oplog"}`) > value(first, 'headwater_slices', `{${job},kind="oplog"}`));

    assert.ok(value(second, 'headwater_slices', `{${job},kind="sync"}`) > 0, 'the initial sync\'s collection slices');
    assert.ok(value(second, 'headwater_bytes_stored', `{${job},kind="slices"}`) > value(first, 'headwater_bytes_stored', `{${job},kind="slices"}`), 'bytes stored grow');
    const through = value(second, 'headwater_captured_through_seconds', `{${job}}`);
    assert.ok(through > value(first, 'headwater_captured_through_seconds', `{${job}}`), 'capture reached further');
    assert.ok(Math.abs(Date.now() / 1000 - through) < 600, `capture position is a recent time: ${through}`);
    assert.ok(samples(second, 'headwater_capture_lag_seconds_count').get(`{${job}}`)! > 0, 'capture lag observed per slice');
    assert.ok(samples(second, 'headwater_apply_lag_seconds').has(`{${job}}`), 'apply lag set');
    assert.ok(value(second, 'headwater_oplog_headroom_seconds', `{${job}}`) > 0, 'headroom set');
    assert.ok([...samples(second, 'headwater_activities_completed_total').values()].reduce((a, b) => a + b, 0) > 0, 'activities counted');

  });

  it('counts an activity failure by its type', async () => {
    const failed = (t: string) => [...samples(t, 'headwater_activity_failures_total').entries()].filter(([l]) => l.includes('type="ConnectionNotFound"'));
    assert.deepEqual(failed(await scrape()), [], 'no such failure yet');
    await client.startInitialSync({ jobId: `${jobId}-bad`, source: 'nosuch' });
    await assert.rejects(client.syncResult(`${jobId}-bad`, 1));
    const text = await until('the failure counted', (t) => failed(t).some(([, n]) => n > 0));
    assert.match(failed(text)[0]![0], /activity="\w+"/, 'by activity too');
  });
});
