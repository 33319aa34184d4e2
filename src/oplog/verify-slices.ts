/**
 * The deep half of `job check`: re-reads every oplog slice of a job (each checked against the SHA-256 its
 * catalog record holds) and every retained snapshot's manifest (checked against its own checksum), and
 * names each object that is missing or changed. The catalog's chain check proves there is no hole; this
 * proves the objects the chain points at still hold what was written. Chunks are `snapshot verify`'s job.
 */
import type { Catalog } from '../catalog/catalog.js';
import { HeadwaterError } from '../errors/domain-errors.js';
import { readManifest } from '../snapshot/decode-snapshot.js';
import { SliceStore } from '../slice/slice-store.js';
import type { BlobStore } from '../store/blob-store.js';

export interface DamagedObject {
  kind: 'slice' | 'manifest';
  /** The store key: the slice's name, or the manifest's key. */
  name: string;
  store: string;
  type: string;
  error: string;
}

export interface ObjectsReport {
  ok: boolean;
  slicesRead: number;
  manifestsRead: number;
  damaged: DamagedObject[];
}

/**
 * Reads every oplog slice and snapshot manifest of `jobId`. An outage (any error that is not a typed
 * HeadwaterError) is thrown, not reported: it says nothing about the objects.
 */
export async function verifyJobObjects(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  jobId: string;
  signal?: AbortSignal;
}): Promise<ObjectsReport> {
  const slices = new SliceStore(o.storeOf, o.catalog.slices);
  const damaged: DamagedObject[] = [];
  const records = await o.catalog.slices.oplog(o.jobId);
  for (const rec of records) {
    o.signal?.throwIfAborted();
    await check(damaged, { kind: 'slice', name: rec._id, store: rec.store }, () => slices.read(rec));
  }
  const snapshots = await o.catalog.snapshots.list(o.jobId);
  for (const s of snapshots) {
    o.signal?.throwIfAborted();
    await check(damaged, { kind: 'manifest', name: s.manifestKey, store: s.store }, () => readManifest(o.storeOf(s.store), s.manifestKey));
  }
  return { ok: damaged.length === 0, slicesRead: records.length, manifestsRead: snapshots.length, damaged };
}

async function check(out: DamagedObject[], what: Omit<DamagedObject, 'type' | 'error'>, read: () => Promise<unknown>): Promise<void> {
  try {
    await read();
  } catch (err) {
    if (!(err instanceof HeadwaterError)) throw err;
    out.push({ ...what, type: err.type, error: err.message });
  }
}

/** One line per damaged object, then a summary. */
export function describeObjects(r: ObjectsReport): string {
  const lines = r.damaged.map((d) => `damaged ${d.kind} '${d.name}' in store '${d.store}' (${d.type}): ${d.error}`);
  const summary = `${r.slicesRead} oplog slices and ${r.manifestsRead} manifests read`;
  lines.push(r.ok ? `${summary}: ok` : `${summary}: ${r.damaged.length} damaged`);
  return lines.join('\n');
}
