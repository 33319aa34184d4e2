/**
 * A point-in-time restore's look at its oplog before anything is written: one pass over the slices of the
 * replay range (after the snapshot, up to T), read with the restore's keys. It finds the databases the
 * replay writes to (the scope, src/restore/restore-scope.ts), the namespaces it creates (a `create`, a
 * `createIndexes`, a rename's target, or an insert), so that the target check covers them as it covers the
 * snapshot's collections, and, for a `<seconds>,<increment>` time, whether that entry exists. Reading the
 * first slice also proves the key opens the slices. Invariant: whatever the replay would refuse midway for
 * these reasons (a key, a non-empty target, a time naming no entry) is refused here, before any write.
 */
import type { Document, Timestamp } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { InvalidConfig } from '../errors/domain-errors.js';
import { decodeRaw, tsFromString } from '../lib/bson.js';
import { splitNs } from '../lib/namespace.js';
import type { RestorePlan } from './plan-restore.js';
import { formatExact } from './restore-time.js';

export interface ReplayScan {
  /** Databases the entries up to T write to. */
  dbs: Set<string>;
  /** Source namespaces the entries up to T create (or may create: an insert into a collection). */
  creates: Set<string>;
}

/**
 * @throws WrongKey / NotFound / ChecksumMismatch from reading a slice (named)
 * @throws InvalidConfig when the plan's exact time names no entry (the nearest before and after named)
 */
export async function scanReplay(o: {
  catalog: Catalog;
  plan: RestorePlan;
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  concurrency?: number;
}): Promise<ReplayScan> {
  const out: ReplayScan = { dbs: new Set(), creates: new Set() };
  if (o.plan.toTs === undefined) return out;
  const from = tsFromString(o.plan.snapshotTs);
  const upTo = tsFromString(o.plan.toTs);
  const chain = { jobId: o.plan.jobId, syncNumber: o.plan.syncNumber };
  const slices = await o.catalog.slices.oplogBetween(chain, from, upTo);
  const near: { before?: Timestamp; at: boolean; after?: Timestamp } = { at: false };
  const scan = (docs: Uint8Array[]) => {
    for (const raw of docs) {
      const e = decodeRaw(raw);
      const ts = e.ts as Timestamp;
      if (ts.gt(upTo)) {
        if (near.after === undefined || ts.lt(near.after)) near.after = ts;
        continue;
      }
      if (ts.equals(upTo)) near.at = true;
      else if (near.before === undefined || ts.gt(near.before)) near.before = ts;
      if (ts.gt(from)) observe(e, out);
    }
  };
  // The first slice alone first: a key that does not open the slices is refused after one read.
  if (slices.length > 0) scan(await o.read(slices[0]!));
  let next = 1;
  const lane = async () => {
    while (next < slices.length) scan(await o.read(slices[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, slices.length) }, lane));
  if (o.plan.exact === true && !near.at) await refuseExact(o, upTo, near);
  return out;
}

/** The namespaces one entry (or each op of an applyOps) writes to and creates. */
function observe(e: Document, out: ReplayScan): void {
  const ns = typeof e.ns === 'string' ? e.ns : '';
  const o = (e.o ?? {}) as Document;
  if (e.op === 'c' && Array.isArray(o.applyOps)) {
    for (const inner of o.applyOps as Document[]) observe(inner, out);
    return;
  }
  if (ns === '' || e.op === 'n') return;
  const { db } = splitNs(ns);
  out.dbs.add(db);
  if (e.op === 'i') out.creates.add(ns);
  if (e.op !== 'c') return;
  if (typeof o.create === 'string') out.creates.add(`${db}.${o.create}`);
  if (typeof o.createIndexes === 'string') out.creates.add(`${db}.${o.createIndexes}`);
  if (typeof o.renameCollection === 'string' && typeof o.to === 'string') {
    out.creates.add(o.to);
    out.dbs.add(splitNs(o.to).db);
  }
}

async function refuseExact(o: { catalog: Catalog; plan: RestorePlan; read: (rec: SliceRecord) => Promise<Uint8Array[]> }, upTo: Timestamp, near: { before?: Timestamp; after?: Timestamp }): Promise<never> {
  // The entry after T may be in the next slice, which the replay range does not read.
  if (near.after === undefined) {
    const [later] = await o.catalog.slices.oplogAfter({ jobId: o.plan.jobId, syncNumber: o.plan.syncNumber }, upTo, 1);
    const first = later === undefined ? undefined : (await o.read(later)).map((r) => decodeRaw(r).ts as Timestamp).find((ts) => ts.gt(upTo));
    near.after = first;
  }
  const name = (ts: Timestamp | undefined) => (ts === undefined ? 'none' : `'${formatExact(ts)}'`);
  throw new InvalidConfig(
    `restore time '${formatExact(upTo)}' names no oplog entry of job '${o.plan.jobId}': the nearest entries are ${name(near.before)} before it and ${name(near.after)} after it`,
    { details: { jobId: o.plan.jobId, before: near.before === undefined ? null : formatExact(near.before), after: near.after === undefined ? null : formatExact(near.after) } },
  );
}
