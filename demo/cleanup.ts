/**
 * Removes everything a demo run made, found by its run id alone (names.ts): the job's Schedules first (no
 * new runs), then every running workflow on the run's task queue, the worker, the source databases, the
 * restored databases, the job's head databases, its catalog database and its temporary directory. Used at
 * the end of a run, on Ctrl-C, and by `--clean <runId>` after `--keep`. Each step is tried even if an
 * earlier one failed; the failures are returned, named.
 */
import { rmSync } from 'node:fs';
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { MongoClient } from 'mongodb';
import { dropHeadDatabases } from '../src/job/head-databases.js';
import { scheduleIds, workflowIds } from '../src/workflows/ids.js';
import type { DemoNames } from './names.js';

export interface CleanupTargets {
  names: DemoNames;
  temporal: Client;
  source: MongoClient;
  head: MongoClient;
  /** Stops the worker this process runs (none for --clean: a worker started for a kept job is the user's). */
  stopWorker?: () => Promise<void>;
}

export async function cleanup(t: CleanupTargets): Promise<string[]> {
  const { names } = t;
  const failures: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
    }
  };
  for (const id of [scheduleIds.snapshot(names.jobId), scheduleIds.groom(names.jobId)]) {
    await step(`delete Schedule ${id}`, () => t.temporal.schedule.getHandle(id).delete().catch((err) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }));
  }
  await step('terminate the workflows', () => terminateAll(t.temporal, names));
  if (t.stopWorker !== undefined) await step('stop the worker', t.stopWorker);
  await step('drop the source databases', () => dropByPrefix(t.source, names.sourcePrefix));
  await step('drop the restored databases', () => dropByPrefix(t.head, names.sourcePrefix));
  await step('drop the head databases', () => dropHeadDatabases(t.head, names.jobId));
  await step('drop the catalog', () => t.head.db(names.catalogDb).dropDatabase());
  await step(`remove ${names.dir}`, async () => rmSync(names.dir, { recursive: true, force: true }));
  return failures;
}

/** Terminates the job and every workflow still running on the run's own task queue (twice: a Schedule may have just started one). */
async function terminateAll(temporal: Client, names: DemoNames): Promise<void> {
  const known = [workflowIds.job(names.jobId), workflowIds.tail(names.jobId)];
  for (let pass = 0; pass < 2; pass += 1) {
    const ids = new Set(known);
    for await (const w of temporal.workflow.list({ query: `TaskQueue = '${names.taskQueue}' AND ExecutionStatus = 'Running'` })) ids.add(w.workflowId);
    for (const id of ids) {
      await temporal.workflow.getHandle(id).terminate('demo cleanup').catch(() => undefined); // already closed
    }
  }
}

async function dropByPrefix(client: MongoClient, prefix: string): Promise<void> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const d of databases.filter((x) => x.name.startsWith(prefix))) await client.db(d.name).dropDatabase();
}
