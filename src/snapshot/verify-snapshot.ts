/**
 * Verify: re-reads every chunk of a snapshot, checks each against its id (SHA-256, or the keyed id of an
 * encrypted snapshot) and its size, and checks that each collection's chunks decode to the document count
 * and content hash the manifest records. A bad chunk is reported with every collection that refers to it;
 * nothing is trusted that was not re-read.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Keyring } from '../codec/keys.js';
import { HeadwaterError, WrongKey } from '../errors/domain-errors.js';
import { ContentHash } from '../lib/content-hash.js';
import type { BlobStore } from '../store/blob-store.js';
import { DocumentSplitter, readChunkRef, readManifest } from './decode-snapshot.js';
import type { CollectionManifest, Manifest } from './manifest.js';
import { parseSnapshotRef } from './snapshot-keys.js';

export interface ChunkProblem {
  chunk: string;
  /** Every collection of the snapshot whose data passes through this chunk. */
  collections: string[];
  type: string;
  error: string;
}

export interface CollectionCheck {
  ns: string;
  /** False when a bad chunk kept the collection from being decoded. */
  readable: boolean;
  count: { expected: number; actual: number | null };
  contentHash: { expected: string; actual: string | null };
  ok: boolean;
}

export interface VerifyReport {
  jobId: string;
  ts: string;
  ok: boolean;
  chunks: number;
  chunksRead: number;
  badChunks: ChunkProblem[];
  collections: CollectionCheck[];
}

export async function verifySnapshot(o: {
  store: BlobStore;
  manifest: Manifest;
  keyring?: Keyring;
  signal?: AbortSignal;
  onProgress?: (p: { collections: number; chunksRead: number }) => void;
}): Promise<VerifyReport> {
  const { manifest } = o;
  checkKey(manifest, o.keyring);
  const owners = new Map<string, Set<string>>();
  for (const c of manifest.collections) for (const ref of c.chunks) (owners.get(ref.id) ?? owners.set(ref.id, new Set()).get(ref.id)!).add(c.ns);
  const bad = new Map<string, ChunkProblem>();
  const read = new Set<string>();
  const collections: CollectionCheck[] = [];
  for (const c of manifest.collections) {
    o.signal?.throwIfAborted();
    collections.push(await checkCollection(o, c, { owners, bad, read }));
    o.onProgress?.({ collections: collections.length, chunksRead: read.size });
  }
  return {
    jobId: manifest.jobId,
    ts: manifest.ts,
    ok: bad.size === 0 && collections.every((c) => c.ok),
    chunks: owners.size,
    chunksRead: read.size,
    badChunks: [...bad.values()],
    collections,
  };
}

/**
 * `snapshot verify <id>`: the snapshot named by `ref`, read from `storeId` (default: the store the catalog
 * records for it). The total collection count goes with each progress reading.
 * @throws NotFound for a snapshot the catalog does not hold (when no store is named), WrongKey
 */
export async function verifySnapshotById(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  ref: string;
  storeId?: string;
  keyring?: Keyring;
  signal?: AbortSignal;
  onProgress?: (p: { collections: number; chunksRead: number; total: number }) => void;
}): Promise<VerifyReport> {
  const s = parseSnapshotRef(o.ref);
  const store = o.storeOf(o.storeId ?? (await o.catalog.snapshots.get(s.id)).store);
  const manifest = await readManifest(store, s.manifestKey);
  const total = manifest.collections.length;
  return verifySnapshot({ store, manifest, keyring: o.keyring, signal: o.signal, onProgress: (p) => o.onProgress?.({ ...p, total }) });
}

/**
 * A missing or wrong key is the caller's mistake, not damage: say so once, before reading, instead of
 * reporting every chunk as bad.
 */
function checkKey(manifest: Manifest, keyring: Keyring | undefined): void {
  const { codec } = manifest;
  if (codec.encryption === 'none') return;
  const name = `snapshot ${manifest.jobId}/${manifest.ts}`;
  const key = codec.keyId === undefined ? undefined : keyring?.get(codec.keyId);
  if (key === undefined) {
    throw new WrongKey(`${name} is encrypted with key '${codec.keyId}', which was not given (--key-env or --key-file, with --key-id if it was named)`);
  }
  if (codec.keyFingerprint !== undefined && key.fingerprint !== codec.keyFingerprint) {
    throw new WrongKey(`${name} was encrypted with key '${codec.keyId}' of fingerprint ${codec.keyFingerprint}; the key given under that id has fingerprint ${key.fingerprint}`);
  }
}

interface Seen {
  owners: Map<string, Set<string>>;
  bad: Map<string, ChunkProblem>;
  read: Set<string>;
}

async function checkCollection(
  o: { store: BlobStore; manifest: Manifest; keyring?: Keyring },
  c: CollectionManifest,
  seen: Seen,
): Promise<CollectionCheck> {
  const splitter = new DocumentSplitter(c.ns);
  const hash = new ContentHash();
  let readable = true;
  for (const ref of c.chunks) {
    if (seen.bad.has(ref.id)) {
      readable = false;
      continue;
    }
    try {
      const plain = await readChunkRef(o.store, o.manifest, ref, o.keyring);
      seen.read.add(ref.id);
      if (readable) for (const doc of splitter.push(plain)) hash.add(doc);
    } catch (err) {
      if (!(err instanceof HeadwaterError)) throw err; // an outage is not damage: let the caller retry
      seen.bad.set(ref.id, { chunk: ref.id, collections: [...(seen.owners.get(ref.id) ?? [])].sort(), type: err.type, error: err.message });
      readable = false;
    }
  }
  if (readable) {
    try {
      splitter.end();
    } catch {
      readable = false;
    }
  }
  const actualCount = readable ? hash.count : null;
  const actualHash = readable ? hash.digest() : null;
  return {
    ns: c.ns,
    readable,
    count: { expected: c.count, actual: actualCount },
    contentHash: { expected: c.contentHash, actual: actualHash },
    ok: readable && actualCount === c.count && actualHash === c.contentHash,
  };
}

/** The report as lines a person reads: one per problem, and a summary. */
export function describeReport(r: VerifyReport): string {
  const lines = r.badChunks.map((b) => `bad chunk ${b.chunk} (collections: ${b.collections.join(', ')}): ${b.error}`);
  for (const c of r.collections) {
    if (!c.readable) lines.push(`collection ${c.ns}: not readable (a chunk is bad)`);
    else if (!c.ok) {
      lines.push(`collection ${c.ns}: ${c.count.actual}/${c.count.expected} documents, content hash ${c.contentHash.actual} (manifest: ${c.contentHash.expected})`);
    }
  }
  const summary = `snapshot ${r.jobId} at ${r.ts}: ${r.chunksRead}/${r.chunks} chunks read, ${r.collections.length} collections`;
  lines.push(r.ok ? `${summary}: ok` : `${summary}: FAILED`);
  return lines.join('\n');
}
