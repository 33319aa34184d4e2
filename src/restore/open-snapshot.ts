/**
 * Opens the snapshot a restore reads and checks what can be checked before the target is touched: the
 * manifest (its checksum), the encryption key (present, and the very key the snapshot was sealed with),
 * the namespace selection, and that every chunk the restore needs is in the store. For a point-in-time
 * restore it also reads the replay's slices once (src/restore/scan-replay.ts): the key opens them, an exact
 * time names an entry, and the namespaces the replay creates are known for the target check. Invariant: a
 * refusal here leaves the target exactly as it was.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import type { Keyring } from '../codec/keys.js';
import { NotFound, WrongKey } from '../errors/domain-errors.js';
import type { TargetNs } from '../oplog/apply/index.js';
import { readManifest } from '../snapshot/decode-snapshot.js';
import type { CollectionManifest, Manifest } from '../snapshot/manifest.js';
import { SliceStore } from '../slice/slice-store.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkKey } from '../store/layout.js';
import { NamespaceMap, type NamespaceSelection } from './namespace-map.js';
import type { RestorePlan } from './plan-restore.js';
import { restoreScope, syncOf } from './restore-scope.js';
import { scanReplay } from './scan-replay.js';
import { sliceKeyring } from './slice-keyring.js';

export interface OpenedSnapshot {
  manifest: Manifest;
  store: BlobStore;
  map: NamespaceMap;
  /** The snapshot's collections the restore brings back, with their targets, in manifest order. */
  collections: Array<{ collection: CollectionManifest; target: TargetNs }>;
  /** The databases the namespace map covers (src/restore/restore-scope.ts). */
  scope: string[];
  /**
   * Target collections the replay creates (or inserts into) that are not among `collections`: the
   * target check refuses or drops them as it does the snapshot's. Empty for a snapshot restore.
   */
  replayCreates: Array<{ ns: string; target: TargetNs }>;
}

/**
 * @throws NotFound (manifest or chunk missing, named), ChecksumMismatch (manifest damaged),
 *   WrongKey (key not configured, or another key under the same id, for the snapshot or its slices),
 *   InvalidConfig (selection, or an exact time naming no entry)
 */
export async function openSnapshot(o: {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  plan: RestorePlan;
  keyring?: Keyring;
  selection?: NamespaceSelection;
  concurrency?: number;
  /** Reads an oplog slice (default: SliceStore with the restore's keys, src/restore/slice-keyring.ts). */
  readSlice?: (rec: SliceRecord) => Promise<Uint8Array[]>;
}): Promise<OpenedSnapshot> {
  const store = o.storeOf(o.plan.store);
  const manifest = await readManifest(store, o.plan.manifestKey);
  checkKey(manifest, o.keyring, o.plan.snapshotId);
  const slices = new SliceStore(o.storeOf, o.catalog.slices, sliceKeyring(o.keyring));
  const replay = await scanReplay({ catalog: o.catalog, plan: o.plan, read: o.readSlice ?? ((rec) => slices.read(rec)) });
  const scope = restoreScope(await syncOf(o.catalog, o.plan), manifest, replay.dbs);
  const map = NamespaceMap.parse(o.selection ?? {}, scope);
  const targets = map.targets(manifest.collections.map((c) => c.ns));
  const collections = manifest.collections.flatMap((c) => {
    const target = targets.get(c.ns);
    return target === undefined ? [] : [{ collection: c, target }];
  });
  await checkChunksPresent(store, collections.map((c) => c.collection), o.concurrency ?? 16);
  return { manifest, store, map, collections, scope: [...scope].sort(), replayCreates: replayCreates(map, collections, replay.creates) };
}

/** The targets of `creates` (mapped) that the snapshot's collections do not already land on, once each. */
function replayCreates(map: NamespaceMap, collections: OpenedSnapshot['collections'], creates: Set<string>): OpenedSnapshot['replayCreates'] {
  const seen = new Set(collections.map((c) => `${c.target.db}.${c.target.coll}`));
  const out: OpenedSnapshot['replayCreates'] = [];
  for (const ns of [...creates].sort()) {
    const target = map.map(ns);
    if (target === null || seen.has(`${target.db}.${target.coll}`)) continue;
    seen.add(`${target.db}.${target.coll}`);
    out.push({ ns, target });
  }
  return out;
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
