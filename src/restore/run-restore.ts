/**
 * A whole restore as a runbook, one step per line: open the snapshot and check it, prepare the target,
 * restore and verify each collection, replay the oplog to T, build indexes. The workflow layer runs the
 * same steps as separate activities; this composition serves the CLI, benchmarks and tests. Invariant: a
 * refusal leaves the target as it was, and a snapshot found damaged mid-restore (a chunk missing, changed
 * or undecryptable) removes the collections this restore created, so the target is never half-restored.
 */
import type { MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import type { Keyring } from '../codec/keys.js';
import { HeadwaterError } from '../errors/domain-errors.js';
import { fromManifestJson } from '../snapshot/manifest.js';
import { SliceStore } from '../slice/slice-store.js';
import type { BlobStore } from '../store/blob-store.js';
import { buildIndexes, type IndexBuildOutcome } from './build-indexes.js';
import type { NamespaceSelection } from './namespace-map.js';
import { openSnapshot, type OpenedSnapshot } from './open-snapshot.js';
import type { RestorePlan } from './plan-restore.js';
import { prepareTarget, type PrepareOutcome } from './prepare-target.js';
import { replayToTime, type ReplayToTimeOutcome } from './replay-to-time.js';
import { restoreCollection } from './restore-collection.js';
import { sliceKeyring } from './slice-keyring.js';
import { verifyCollection, type CollectionDigest } from './verify-collection.js';

/**
 * Collections restored at once by default: as many as mongorestore's default (numParallelCollections 4).
 * Lanes overlap one collection's fetching, decoding and verification with another's inserts.
 */
export const DEFAULT_PARALLELISM = 4;

export type RestorePhase = 'preparing' | 'restoring data' | 'applying oplogs' | 'creating indexes' | 'complete';

export interface RunRestoreOptions {
  catalog: Catalog;
  storeOf: (id: string) => BlobStore;
  keyring?: Keyring;
  target: MongoClient;
  plan: RestorePlan;
  selection?: NamespaceSelection;
  drop?: boolean;
  /** Reads an oplog slice (default: SliceStore over `storeOf` and the catalog). */
  readSlice?: (rec: SliceRecord) => Promise<Uint8Array[]>;
  batchDocs?: number;
  batchBytes?: number;
  readAhead?: number;
  /** Collections restored at once (default DEFAULT_PARALLELISM). */
  parallelism?: number;
  signal?: AbortSignal;
  onProgress?: (p: { phase: RestorePhase; ns?: string; docs?: number; entries?: number }) => void;
  logger?: Logger;
}

export interface RestoreResult {
  plan: RestorePlan;
  prepare: PrepareOutcome;
  collections: Array<{ ns: string; target: string } & CollectionDigest>;
  replay?: Omit<ReplayToTimeOutcome, 'events'>;
  indexes: IndexBuildOutcome;
}

export async function runRestore(o: RunRestoreOptions): Promise<RestoreResult> {
  // 1. Open the snapshot; check the key, the selection and that every chunk is there.
  const snap = await openSnapshot(o);
  // 2. Refuse a non-empty target without drop (also where the replay creates), then create the collections with their options.
  o.onProgress?.({ phase: 'preparing' });
  const prepare = await prepareTarget(o.target, snap.collections.map((c) => ({ ns: c.collection.ns, target: c.target, options: fromManifestJson(c.collection.options) })), { drop: o.drop ?? false, replayCreates: snap.replayCreates, logger: o.logger });
  // 3. The data, each collection verified by count and content hash before any replay.
  const collections = await restoreData(o, snap, prepare);
  // 4. The oplog after the snapshot, up to T inclusive.
  o.onProgress?.({ phase: 'applying oplogs' });
  const replay = o.plan.toTs === undefined ? undefined : await replayToTime({ ...o, map: (ns) => snap.map.map(ns), read: o.readSlice ?? sliceReader(o), onProgress: (p) => o.onProgress?.({ phase: 'applying oplogs', entries: p.entries }) });
  // 5. Indexes on the final state.
  o.onProgress?.({ phase: 'creating indexes' });
  const indexes = await buildIndexes({ target: o.target, collections: snap.collections, events: replay?.events, replayFailures: replay?.indexFailures, map: (ns) => snap.map.map(ns), signal: o.signal, logger: o.logger });
  o.onProgress?.({ phase: 'complete' });
  return { plan: o.plan, prepare, collections, replay: replay === undefined ? undefined : withoutEvents(replay), indexes };
}

function withoutEvents({ events: _events, ...rest }: ReplayToTimeOutcome): Omit<ReplayToTimeOutcome, 'events'> {
  return rest;
}

/**
 * The collections in `parallelism` lanes, each restored then verified. The first failure stops the other
 * lanes (they see an aborted signal) and is the one thrown once every lane has stopped, so nothing still
 * writes while a damaged snapshot's collections are removed.
 */
async function restoreData(o: RunRestoreOptions, snap: OpenedSnapshot, prepare: PrepareOutcome): Promise<RestoreResult['collections']> {
  const digests = new Map<string, RestoreResult['collections'][number]>();
  const stop = new AbortController();
  const signal = o.signal === undefined ? stop.signal : AbortSignal.any([o.signal, stop.signal]);
  let failure: { err: unknown } | undefined;
  let next = 0;
  const lane = async () => {
    while (next < snap.collections.length && failure === undefined) {
      const { collection, target } = snap.collections[next++]!;
      try {
        o.onProgress?.({ phase: 'restoring data', ns: collection.ns, docs: 0 });
        await restoreCollection({ ...o, signal, store: snap.store, manifest: snap.manifest, collection, targetNs: target, onProgress: (p) => o.onProgress?.({ phase: 'restoring data', ns: p.ns, docs: p.cursor.docs }) });
        const digest = await verifyCollection(o.target, target, collection, signal);
        digests.set(collection.ns, { ns: collection.ns, target: `${target.db}.${target.coll}`, ...digest });
      } catch (err) {
        failure ??= { err };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallelism ?? DEFAULT_PARALLELISM, snap.collections.length) }, lane));
  if (failure !== undefined) {
    if (damagedSnapshot(failure.err)) await discardCreated(o.target, prepare.created);
    throw failure.err;
  }
  // In manifest order, whatever order the lanes finished in.
  return snap.collections.map((c) => digests.get(c.collection.ns)!);
}

/** A snapshot that cannot be read whole: retrying will not help, and what was written is removed. */
function damagedSnapshot(err: unknown): boolean {
  return err instanceof HeadwaterError && ['ChecksumMismatch', 'WrongKey', 'NotFound'].includes(err.type);
}

/** Drops the collections a failed restore created (they did not exist, or were empty, before it). */
export async function discardCreated(target: MongoClient, created: string[]): Promise<void> {
  for (const name of created) {
    const dot = name.indexOf('.');
    await target.db(name.slice(0, dot)).collection(name.slice(dot + 1)).drop().catch(() => undefined);
  }
}

function sliceReader(o: RunRestoreOptions): (rec: SliceRecord) => Promise<Uint8Array[]> {
  const slices = new SliceStore(o.storeOf, o.catalog.slices, sliceKeyring(o.keyring));
  return (rec) => slices.read(rec);
}
