/**
 * Self-describing store keys for slices, so the catalog can be rebuilt from a listing of the store alone
 * (as PBM names its oplog chunks):
 *
 *   slices/<jobId>/sync-<n>/oplog/<tsKey first>-<tsKey last>-<seq>.<ext>
 *   slices/<jobId>/sync-<n>/<namespace>/<rangeIndex>-<seq>.<ext>
 *   slices/<jobId>/oplog/<tsKey first>-<tsKey last>-<seq>.<ext>   (before chains were per sync)
 *
 * A namespace always holds a dot and `oplog` none, so the two kinds under sync-<n>/ never collide.
 *
 * Numbers are zero-padded so a listing sorts like the stream; the namespace is percent-encoded (a
 * collection name may hold '/'). `parseSliceKey` is the exact inverse of `sliceKey`.
 */
import { Timestamp } from 'mongodb';
import type { Compression } from '../codec/compression.js';
import { tsToKey } from '../lib/bson.js';
import type { SliceMeta } from './slice-meta.js';

/** File extensions by codec; persisted in names, so never changed. */
const EXTENSIONS: Readonly<Record<Compression, string>> = { zstd: 'zst', gzip: 'gz', none: 'raw' };

export type SliceKeyFields =
  | Pick<
      Extract<SliceMeta, { kind: 'oplog' }>,
      'kind' | 'jobId' | 'syncNumber' | 'seq' | 'codec' | 'firstTs' | 'lastTs'
    >
  | Pick<
      Extract<SliceMeta, { kind: 'collection' }>,
      'kind' | 'jobId' | 'seq' | 'codec' | 'syncNumber' | 'ns' | 'rangeIndex'
    >;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function sliceKey(meta: SliceKeyFields): string {
  const ext = EXTENSIONS[meta.codec];
  if (meta.kind === 'oplog') {
    const chain = meta.syncNumber === undefined ? '' : `sync-${meta.syncNumber}/`;
    return `slices/${meta.jobId}/${chain}oplog/${tsToKey(meta.firstTs)}-${tsToKey(meta.lastTs)}-${pad(meta.seq, 10)}.${ext}`;
  }
  const ns = encodeURIComponent(meta.ns);
  return `slices/${meta.jobId}/sync-${meta.syncNumber}/${ns}/${pad(meta.rangeIndex, 6)}-${pad(meta.seq, 10)}.${ext}`;
}

/**
 * The prefix under which every slice of a job's stream lies (for listing): the legacy job-wide oplog
 * chain, or everything of sync n (its oplog chain and its collection copies).
 */
export function slicePrefix(jobId: string, stream: 'oplog' | { syncNumber: number }): string {
  return typeof stream === 'string' ? `slices/${jobId}/oplog/` : `slices/${jobId}/sync-${stream.syncNumber}/`;
}

const TS = '(\\d{13})-(\\d{10})';
const OPLOG_KEY = new RegExp(`^slices/([a-z0-9-]+)/(?:sync-(\\d+)/)?oplog/${TS}-${TS}-(\\d+)\\.([a-z]+)$`);
const COLLECTION_KEY = /^slices\/([a-z0-9-]+)\/sync-(\d+)\/([^/]+)\/(\d+)-(\d+)\.([a-z]+)$/;

const ts = (t: string, i: string) => new Timestamp({ t: Number(t), i: Number(i) });

/** The fields a slice key encodes, or undefined when `key` is not a slice key. */
export function parseSliceKey(key: string): SliceKeyFields | undefined {
  const oplog = OPLOG_KEY.exec(key);
  if (oplog !== null) {
    const [, jobId = '', sync, t1 = '', i1 = '', t2 = '', i2 = '', seq = '', ext = ''] = oplog;
    const codec = codecOf(ext);
    if (codec === undefined) return undefined;
    const chain = sync === undefined ? {} : { syncNumber: Number(sync) };
    return { kind: 'oplog', jobId, ...chain, firstTs: ts(t1, i1), lastTs: ts(t2, i2), seq: Number(seq), codec };
  }
  const coll = COLLECTION_KEY.exec(key);
  if (coll === null) return undefined;
  const [, jobId = '', syncNumber = '', ns = '', rangeIndex = '', seq = '', ext = ''] = coll;
  const codec = codecOf(ext);
  const namespace = decodeNs(ns);
  if (codec === undefined || namespace === undefined) return undefined;
  return {
    kind: 'collection',
    jobId,
    syncNumber: Number(syncNumber),
    ns: namespace,
    rangeIndex: Number(rangeIndex),
    seq: Number(seq),
    codec,
  };
}

function codecOf(ext: string): Compression | undefined {
  return (Object.keys(EXTENSIONS) as Compression[]).find((c) => EXTENSIONS[c] === ext);
}

function decodeNs(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined; // malformed percent-encoding: not one of our keys
  }
}
