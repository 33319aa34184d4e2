/**
 * Leaves the shared services as the benchmark found them: drops the databases it generated or restored
 * and removes its job's catalog records, whatever happened in between (every suite calls this in finally).
 */
import type { MongoClient } from 'mongodb';
import { headDbName } from '../../src/head/head-names.js';
import { forgetJob } from '../../test/harness/catalog.js';

export async function dropDatabases(client: MongoClient, names: Iterable<string>): Promise<void> {
  for (const name of names) await client.db(name).dropDatabase().catch(() => undefined);
}

/** Drops the job's head databases (of sync 1, for the given source databases) and its catalog records. */
export async function dropJob(head: MongoClient, jobId: string, sourceDbs: readonly string[], catalogDb = 'headwater'): Promise<void> {
  await dropDatabases(head, sourceDbs.map((db) => headDbName(jobId, 1, db)));
  await forgetJob(head, jobId, catalogDb).catch(() => undefined);
}

const onAbort = new Set<() => Promise<void> | void>();

/**
 * Registers a cleanup to run if the benchmark is interrupted (SIGINT/SIGTERM), when `finally` blocks do
 * not get to run; returns the function that unregisters it once the normal path has cleaned up.
 */
export function cleanupOnAbort(fn: () => Promise<void> | void): () => void {
  onAbort.add(fn);
  return () => onAbort.delete(fn);
}

/** Runs every registered cleanup, newest first, each bounded in time; errors are reported, not thrown. */
export async function runAbortCleanups(timeoutMs = 20_000): Promise<void> {
  for (const fn of [...onAbort].reverse()) {
    await Promise.race([Promise.resolve().then(fn), new Promise((r) => setTimeout(r, timeoutMs))]).catch((err: unknown) =>
      console.error(`cleanup failed: ${(err as Error).message}`),
    );
  }
  onAbort.clear();
}
