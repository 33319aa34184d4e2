/**
 * Opens the snapshot a restore reads and checks what can be checked before the target is touched: the
 * manifest (its checksum), the encryption key (present, and the very key the snapshot was sealed with),
 * the namespace selection, and that every chunk the restore needs is in the store. Invariant: a refusal
 * here leaves the target exactly as it was.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Keyring } from '../codec/keys.js';
import { NotFound, WrongKey } from '../errors/domain-errors.js';
import { splitNs } from '../lib/namespace.js';
import type { TargetNs } from '../oplog/apply/index.js';
import { readManifest } from '../snapshot/decode-snapshot.js';
import type { CollectionManifest, Manifest } from '../snapshot/manifest.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkKey } from '../store/layout.js';
import { NamespaceMap, type NamespaceSelection } from './namespace-map.js';
import type { RestorePlan } from './plan-restore.js';

export interface OpenedSnapshot {
  manifest: Manifest;
  store: BlobStore;
  map: NamespaceMap;
  /** The snapshot's collections the restore brings back, with their targets, in manifest order. */
  collections: Array<{ collection: CollectionManifest; target: TargetNs }>;
}

/**
 * @throws NotFound (manifest or chunk missing, named), ChecksumMismatch (manifest damaged),
 *   WrongKey (key not configured, or another key under the same id), InvalidConfig (selection)
 */
export async function openSnapshot(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  plan: RestorePlan;
  keyring?: Keyring;
  selection?: NamespaceSelection;
  concurrency?: number;
}): Promise<OpenedSnapshot> {
  const store = o.storeOf(o.plan.store);
  const manifest = await readManifest(store, o.plan.manifestKey);
  checkKey(manifest, o.keyring, o.plan.snapshotId);
  const map = NamespaceMap.parse(o.selection ?? {}, await scopeOf(o.catalog, o.plan, manifest));
  const targets = map.targets(manifest.collections.map((c) => c.ns));
  const collections = manifest.collections.flatMap((c) => {
    const target = targets.get(c.ns);
    return target === undefined ? [] : [{ collection: c, target }];
  });
  await checkChunksPresent(store, collections.map((c) => c.collection), o.concurrency ?? 16);
  return { manifest, store, map, collections };
}

function checkKey(manifest: Manifest, keyring: Keyring | undefined, snapshotId: string): void {
  const { encryption, keyId, keyFingerprint } = manifest.codec;
  if (encryption === 'none') return;
  const key = keyId === undefined ? undefined : keyring?.get(keyId);
  if (key === undefined) throw new WrongKey(`unable to restore snapshot '${snapshotId}': it is encrypted with key '${keyId}', which is not configured`);
  if (keyFingerprint !== undefined && key.fingerprint !== keyFingerprint) {
    throw new WrongKey(`unable to restore snapshot '${snapshotId}': the configured key '${keyId}' (fingerprint ${key.fingerprint}) is not the key it was encrypted with (fingerprint ${keyFingerprint})`);
  }
}

/** The databases the job backs up: its sync plan's, and the snapshot's (a rebuilt catalog may lack the plan). */
async function scopeOf(catalog: Catalog, plan: RestorePlan, manifest: Manifest): Promise<Set<string>> {
  const dbs = new Set(manifest.collections.map((c) => splitNs(c.ns).db));
  const sync = await catalog.syncs.get(plan.jobId, plan.syncNumber).catch(() => undefined);
  for (const c of sync?.collections ?? []) dbs.add(splitNs(c.ns).db);
  return dbs;
}

/** Every chunk of `collections` is in the store (`has`, a few at a time), or NotFound names the first missing. */
async function checkChunksPresent(store: BlobStore, collections: CollectionManifest[], concurrency: number): Promise<void> {
  const owner = new Map<string, string>();
  for (const c of collections) for (const ch of c.chunks) if (!owner.has(ch.id)) owner.set(ch.id, c.ns);
  const ids = [...owner.keys()];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      if (!(await store.has(chunkKey(id)))) {
        throw new NotFound(`chunk ${id} of '${owner.get(id)}' is missing from ${store.describe()}`, { details: { chunk: id, ns: owner.get(id) } });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
}
