/**
 * Where things live in a blob store. Names are self-describing, so the catalog can be rebuilt from a
 * listing alone: a chunk is named by the SHA-256 of its stored bytes (restic's data/<2 hex>/<hash>), a
 * manifest by its job and snapshot timestamp (fixed width, so a job's manifests list in time order).
 * `slices/` is reserved for the slice module, which builds its own names under it.
 */
import { Timestamp } from 'mongodb';
import { InvalidConfig } from '../errors/domain-errors.js';
import { tsToKey } from '../lib/bson.js';
import { blobKeyProblem } from './blob-key.js';

export const CHUNKS_PREFIX = 'chunks/';
export const MANIFESTS_PREFIX = 'manifests/';
export const SLICES_PREFIX = 'slices/';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const CHUNK_KEY = /^chunks\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const MANIFEST_KEY = /^manifests\/([^/]+)\/((\d{13})-(\d{10}))\.json$/;

function assertSegment(what: string, value: string): void {
  const problem = value.includes('/') ? "it must not contain '/'" : blobKeyProblem(value);
  if (problem !== undefined)
    throw new InvalidConfig(`invalid ${what} '${value}' for a store key: ${problem}`);
}

/** `chunks/<first 2 hex>/<sha256>`; the two-hex fan-out keeps directories and listings small. */
export function chunkKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256))
    throw new InvalidConfig(`invalid chunk id '${sha256}': expected 64 lowercase hex digits`);
  return `${CHUNKS_PREFIX}${sha256.slice(0, 2)}/${sha256}`;
}

/** The SHA-256 a chunk key names, or undefined if `key` is not a well-formed chunk key. */
export function parseChunkKey(key: string): string | undefined {
  const m = CHUNK_KEY.exec(key);
  return m !== null && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

/** `manifests/<jobId>/<ts key>.json`, where the ts key is `tsToKey(at)` ("0001795277617-0000000002"). */
export function manifestKey(jobId: string, at: Timestamp): string {
  assertSegment('job id', jobId);
  return `${manifestPrefix(jobId)}${tsToKey(at)}.json`;
}

/** The prefix of every manifest of one job, or of all jobs. */
export function manifestPrefix(jobId?: string): string {
  if (jobId === undefined) return MANIFESTS_PREFIX;
  assertSegment('job id', jobId);
  return `${MANIFESTS_PREFIX}${jobId}/`;
}

/** The job and snapshot timestamp a manifest key names, or undefined if `key` is not a manifest key. */
export function parseManifestKey(key: string): { jobId: string; tsKey: string; at: Timestamp } | undefined {
  const m = MANIFEST_KEY.exec(key);
  if (m === null) return undefined;
  const t = Number(m[3]);
  const i = Number(m[4]);
  if (t > 0xffffffff || i > 0xffffffff) return undefined;
  return { jobId: m[1]!, tsKey: m[2]!, at: new Timestamp({ t, i }) };
}

/** The prefix under which the slice module names the slices of one job, or of all jobs. */
export function slicePrefix(jobId?: string): string {
  if (jobId === undefined) return SLICES_PREFIX;
  assertSegment('job id', jobId);
  return `${SLICES_PREFIX}${jobId}/`;
}
