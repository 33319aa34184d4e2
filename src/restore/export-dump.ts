/**
 * Writes a snapshot in mongodump's directory layout, so that plain `mongorestore <dir>` loads it on a
 * machine without Headwater: `<dir>/<db>/<coll>.bson` (the documents' BSON, concatenated, in `_id` order)
 * and `<dir>/<db>/<coll>.metadata.json` (canonical Extended JSON: options, indexes, collectionName, type;
 * the fields mongo-tools' mongodump writes and mongorestore 100.x reads). Invariant: each `.bson` is checked
 * against the manifest's count and content hash while it is written, and appears only when complete.
 */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { Keyring } from '../codec/keys.js';
import { InvalidConfig, RestoreVerifyFailed } from '../errors/domain-errors.js';
import { ContentHash } from '../lib/content-hash.js';
import { splitNs } from '../lib/namespace.js';
import { DocumentSplitter, readManifest } from '../snapshot/decode-snapshot.js';
import type { CollectionManifest, Manifest } from '../snapshot/manifest.js';
import { parseSnapshotRef } from '../snapshot/snapshot-keys.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkStream } from './chunk-stream.js';

export interface ExportedCollection {
  ns: string;
  bson: string;
  metadata: string;
  count: number;
  bytes: number;
}

/**
 * Exports the snapshot's collections (those `select` keeps, all by default) under `dir`.
 * @throws NotFound / ChecksumMismatch / WrongKey for an unreadable chunk, RestoreVerifyFailed on a mismatch
 */
export async function exportDump(o: {
  store: BlobStore;
  manifest: Manifest;
  dir: string;
  keyring?: Keyring;
  select?: (ns: string) => boolean;
  readAhead?: number;
  signal?: AbortSignal;
  onProgress?: (p: { ns: string; collections: number }) => void;
}): Promise<ExportedCollection[]> {
  const out: ExportedCollection[] = [];
  for (const c of o.manifest.collections) {
    if (o.select !== undefined && !o.select(c.ns)) continue;
    const { db, coll } = splitNs(c.ns);
    await mkdir(join(o.dir, fileName(db)), { recursive: true });
    const base = join(o.dir, fileName(db), fileName(coll));
    const bytes = await writeBson(o, c, `${base}.bson`);
    await writeFile(`${base}.metadata.json`, metadataJson(c, coll));
    out.push({ ns: c.ns, bson: `${base}.bson`, metadata: `${base}.metadata.json`, count: c.count, bytes });
    o.onProgress?.({ ns: c.ns, collections: out.length });
  }
  return out;
}

/**
 * `restore export`: the snapshot named by `ref` (its store and manifest from the catalog) under `dir`.
 * @throws NotFound for a snapshot the catalog does not hold, InvalidConfig for a directory that cannot
 * be made here, and what exportDump throws
 */
export async function exportSnapshotById(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  ref: string;
  dir: string;
  keyring?: Keyring;
  signal?: AbortSignal;
  onProgress?: (p: { ns: string; collections: number }) => void;
}): Promise<ExportedCollection[]> {
  const rec = await o.catalog.snapshots.get(parseSnapshotRef(o.ref).id);
  await writableDir(o.dir);
  const store = o.storeOf(rec.store);
  const manifest = await readManifest(store, rec.manifestKey);
  return exportDump({ store, manifest, dir: o.dir, keyring: o.keyring, signal: o.signal, onProgress: o.onProgress });
}

/** A directory this process cannot create is the request's mistake (retrying cannot fix it): refused. */
async function writableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && ['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'EEXIST'].includes(code)) {
      throw new InvalidConfig(`cannot write the export to '${dir}' on this worker's host: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** The metadata document mongodump writes: options (when any), indexes, collectionName, type. */
export function metadataJson(c: CollectionManifest, coll: string): string {
  const options = Object.keys(c.options).length > 0 ? { options: c.options } : {};
  return JSON.stringify({ ...options, indexes: c.indexes, collectionName: coll, type: 'collection' });
}

/** mongodump escapes path separators and '%' in names; other characters are kept. */
function fileName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2f');
}

async function writeBson(
  o: { store: BlobStore; manifest: Manifest; keyring?: Keyring; readAhead?: number; signal?: AbortSignal },
  c: CollectionManifest,
  path: string,
): Promise<number> {
  const tmp = `${path}.partial`;
  const file = await open(tmp, 'w');
  const hash = new ContentHash();
  const splitter = new DocumentSplitter(c.ns);
  let bytes = 0;
  try {
    for await (const plain of chunkStream({ ...o, collection: c, offset: 0, readAhead: o.readAhead ?? 4 })) {
      for (const doc of splitter.push(plain)) hash.add(doc);
      await file.write(plain);
      bytes += plain.length;
    }
    splitter.end();
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  if (hash.count !== c.count || hash.digest() !== c.contentHash) {
    await rm(tmp, { force: true });
    throw new RestoreVerifyFailed(`exported '${c.ns}' holds ${hash.count} documents with content hash ${hash.digest()}; the snapshot has ${c.count} with ${c.contentHash}`);
  }
  await rename(tmp, path);
  return bytes;
}
