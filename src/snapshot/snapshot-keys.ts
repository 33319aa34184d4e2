/**
 * Names of a snapshot: its catalog id `<jobId>/<tsKey>`, its manifest key (src/store/layout.ts) and the
 * key of its staged manifest. A staged manifest is written when every chunk is durable but apply may not
 * have been paused throughout; only the commit copies it to `manifests/`, which alone makes it listed.
 */
import type { Timestamp } from 'mongodb';
import { InvalidConfig } from '../errors/domain-errors.js';
import { tsFromString, tsToKey } from '../lib/bson.js';
import { manifestKey } from '../store/layout.js';

export const STAGING_PREFIX = 'staging/';

export function snapshotId(jobId: string, ts: Timestamp): string {
  return `${jobId}/${tsToKey(ts)}`;
}

export function stagedManifestKey(jobId: string, ts: Timestamp): string {
  return `${STAGING_PREFIX}${manifestKey(jobId, ts).slice('manifests/'.length)}`;
}

/**
 * Reads a snapshot id as `<jobId>/<tsKey>` or `<jobId>/<seconds>.<increment>`; returns the job and the
 * manifest key. Anything else is refused with the forms it accepts.
 */
export function parseSnapshotRef(ref: string): { jobId: string; ts: Timestamp; id: string; manifestKey: string } {
  const m = /^([a-z0-9-]+)\/(?:(\d{13})-(\d{10})|(\d+\.\d+))$/.exec(ref);
  if (m === null) {
    throw new InvalidConfig(`invalid snapshot id '${ref}': expected '<jobId>/<13 digits>-<10 digits>' or '<jobId>/<seconds>.<increment>'`);
  }
  const ts = m[4] !== undefined ? tsFromString(m[4]) : tsFromString(`${Number(m[2])}.${Number(m[3])}`);
  return { jobId: m[1]!, ts, id: snapshotId(m[1]!, ts), manifestKey: manifestKey(m[1]!, ts) };
}
