/**
 * The deep half of `job check`: re-reads every oplog slice of a job (each checked against the SHA-256 its
 * catalog record holds), every retained snapshot's manifest (checked against its own checksum) and every
 * chunk those manifests reference (checked against its content address and size, as `snapshot verify`
 * checks it, each read once however many snapshots share it), and names each object that is missing or
 * changed. The catalog's chain check proves there is no hole; this proves the objects the chain and the
 * snapshots point at still hold what was written.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Keyring } from '../codec/keys.js';
import { HeadwaterError, NotFound, WrongKey } from '../errors/domain-errors.js';
import { readChunkRef, readManifest } from '../snapshot/decode-snapshot.js';
import type { ChunkRef, Manifest } from '../snapshot/manifest.js';
import { EnvKeyring } from '../slice/slice-keys.js';
import { SliceStore } from '../slice/slice-store.js';
import type { BlobStore } from '../store/blob-store.js';

export interface DamagedObject {
  kind: 'slice' | 'manifest' | 'chunk';
  /** The slice's name, the manifest's key, or the chunk's id. */
  name: string;
  store: string;
  /** For a chunk: a retained snapshot (`<jobId>/<tsKey>`) that references it. */
  snapshot?: string;
  type: string;
  error: string;
}

export interface ObjectsReport {
  ok: boolean;
  slicesRead: number;
  manifestsRead: number;
  /** Distinct chunks (per store) referenced by the manifests that could be read. */
  chunksRead: number;
  damaged: DamagedObject[];
}

export interface ObjectsProgress {
  slicesRead: number;
  manifestsRead: number;
  chunksRead: number;
  /** The chunks to read, known once every manifest was read. */
  chunks?: number;
}

interface Options {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  jobId: string;
  /** The keys sealed slices and chunks are read with (by default, each from HEADWATER_KEY_<ID>). */
  keyring?: Keyring;
  /** Chunks read at once (default 8). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: ObjectsProgress) => void;
}

/** A chunk to read: its store, and the newest retained snapshot that references it. */
interface ChunkToRead {
  store: string;
  snapshot: string;
  manifest: Manifest;
  ref: ChunkRef;
}

/**
 * Reads every oplog slice, snapshot manifest and snapshot chunk of `jobId`. An outage (any error that is
 * not a typed HeadwaterError) is thrown, not reported: it says nothing about the objects. So is WrongKey
 * on a chunk: the worker lacks the snapshot's key, which would otherwise be reported once per chunk.
 */
export async function verifyJobObjects(o: Options): Promise<ObjectsReport> {
  const keyring = o.keyring ?? new EnvKeyring();
  const slices = new SliceStore(o.storeOf, o.catalog.slices, keyring);
  const damaged: DamagedObject[] = [];
  const p: ObjectsProgress = { slicesRead: 0, manifestsRead: 0, chunksRead: 0 };
  for (const rec of await o.catalog.slices.oplog(o.jobId)) {
    o.signal?.throwIfAborted();
    await check(damaged, { kind: 'slice', name: rec._id, store: rec.store }, () => slices.read(rec));
    p.slicesRead++;
    o.onProgress?.({ ...p });
  }
  const chunks = new Map<string, ChunkToRead>();
  for (const s of await o.catalog.snapshots.list(o.jobId)) {
    o.signal?.throwIfAborted();
    const manifest = await check(damaged, { kind: 'manifest', name: s.manifestKey, store: s.store }, () => readManifest(o.storeOf(s.store), s.manifestKey));
    // Oldest first: a later snapshot sharing a chunk replaces the entry, so the report names the newest.
    if (manifest !== undefined) for (const c of manifest.collections) for (const ref of c.chunks) chunks.set(`${s.store}/${ref.id}`, { store: s.store, snapshot: s._id, manifest, ref });
    p.manifestsRead++;
    o.onProgress?.({ ...p });
  }
  p.chunks = chunks.size;
  await checkChunks({ ...o, keyring }, [...chunks.values()], damaged, () => {
    p.chunksRead++;
    o.onProgress?.({ ...p });
  });
  return { ok: damaged.length === 0, slicesRead: p.slicesRead, manifestsRead: p.manifestsRead, chunksRead: chunks.size, damaged };
}

/** Reads `todo` in `concurrency` lanes; damaged chunks are added to `out` sorted by store and id. */
async function checkChunks(o: Options & { keyring: Keyring }, todo: ChunkToRead[], out: DamagedObject[], onRead: () => void): Promise<void> {
  const bad: DamagedObject[] = [];
  let next = 0;
  const lane = async () => {
    while (next < todo.length) {
      o.signal?.throwIfAborted();
      const found = await checkChunk(o, todo[next++]!);
      if (found !== undefined) bad.push(found);
      onRead();
    }
  };
  const lanes = Array.from({ length: Math.min(o.concurrency ?? 8, todo.length) }, () =>
    lane().catch((err: unknown) => {
      next = todo.length; // stop the other lanes: the check has failed
      throw err;
    }),
  );
  await Promise.all(lanes);
  out.push(...bad.sort((a, b) => a.store.localeCompare(b.store) || a.name.localeCompare(b.name)));
}

/** One chunk read and checked as `snapshot verify` reads it: undefined when intact. */
async function checkChunk(o: Options & { keyring: Keyring }, c: ChunkToRead): Promise<DamagedObject | undefined> {
  try {
    await readChunkRef(o.storeOf(c.store), c.manifest, c.ref, o.keyring);
    return undefined;
  } catch (err) {
    if (!(err instanceof HeadwaterError) || err instanceof WrongKey) throw err;
    // Groomed while this check ran (expiry deletes the record before the sweep deletes chunks): not damage.
    if (err instanceof NotFound && (await o.catalog.snapshots.find(c.snapshot)) === undefined) return undefined;
    return { kind: 'chunk', name: c.ref.id, store: c.store, snapshot: c.snapshot, type: err.type, error: err.message };
  }
}

/** `read()`'s value, or undefined after recording a typed error as damage to `what`. */
async function check<T>(out: DamagedObject[], what: Omit<DamagedObject, 'type' | 'error'>, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof HeadwaterError)) throw err;
    out.push({ ...what, type: err.type, error: err.message });
    return undefined;
  }
}

/** One line per damaged object, then a summary. */
export function describeObjects(r: ObjectsReport): string {
  const lines = r.damaged.map((d) => {
    const ref = d.snapshot === undefined ? '' : ` (referenced by snapshot '${d.snapshot}')`;
    return `damaged ${d.kind} '${d.name}' in store '${d.store}'${ref} (${d.type}): ${d.error}`;
  });
  const summary = `${r.slicesRead} oplog slices, ${r.manifestsRead} manifests and ${r.chunksRead} chunks read`;
  lines.push(r.ok ? `${summary}: ok` : `${summary}: ${r.damaged.length} damaged`);
  return lines.join('\n');
}
