/**
 * Where a job's head lives: one database per source database, named after the job and sync number so
 * that several jobs (and a resync beside the head it replaces) share one server without colliding.
 * FerretDB and MongoDB both accept [A-Za-z0-9_-] names up to 63 bytes.
 */
import { splitNs } from '../lib/namespace.js';

export function headDbName(jobId: string, syncNumber: number, sourceDb: string): string {
  const name = `hw_${jobId}_${syncNumber}__${sourceDb}`;
  if (Buffer.byteLength(name) > 63) {
    throw new Error(
      `head database name '${name}' is longer than 63 bytes: use a shorter job id or database name`,
    );
  }
  return name;
}

export function headNamespace(jobId: string, syncNumber: number, ns: string): { db: string; coll: string } {
  const { db, coll } = splitNs(ns);
  return { db: headDbName(jobId, syncNumber, db), coll };
}
