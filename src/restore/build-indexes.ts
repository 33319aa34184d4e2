/**
 * Index builds of a restore, after the data and after any replay, so that a unique index never fails on a
 * state the replay passes through: the snapshot's index specs (minus what the replay dropped), then the
 * index builds the target refused during the replay, tried again on the final state. What the target
 * refuses or does not keep (FerretDB 1.24: TTL and sparse options) is reported, never dropped silently.
 */
import type { Document, MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { MongoTarget, type IndexFailure, type TargetNs } from '../oplog/apply/index.js';
import { fromManifestJson, type CollectionManifest } from '../snapshot/manifest.js';
import type { IndexEvents } from './index-events.js';

type IndexSpec = Parameters<MongoTarget['createIndex']>[1];

export interface IndexBuildOutcome {
  built: Array<{ ns: string; index: string }>;
  /** Builds the target refused, or options it accepted and did not keep. */
  refused: Array<{ ns: string; index: string; error: string }>;
}

/** Builds the indexes of `collections` (source ns to target) and retries the replay's index failures. */
export async function buildIndexes(o: {
  target: MongoClient;
  collections: Array<{ collection: CollectionManifest; target: TargetNs }>;
  events?: IndexEvents;
  replayFailures?: IndexFailure[];
  map?: (ns: string) => TargetNs | null;
  signal?: AbortSignal;
  logger?: Logger;
}): Promise<IndexBuildOutcome> {
  const target = new MongoTarget(o.target);
  const out: IndexBuildOutcome = { built: [], refused: [] };
  const jobs: Array<{ ns: string; to: TargetNs; spec: Document }> = [];
  for (const { collection, target: to } of o.collections) {
    if (o.events?.collectionGone(collection.ns) === true) continue;
    for (const spec of collection.indexes.map(fromManifestJson)) {
      if (spec.name === '_id_' || o.events?.indexDropped(collection.ns, spec) === true) continue;
      jobs.push({ ns: collection.ns, to, spec });
    }
  }
  for (const f of o.replayFailures ?? []) {
    const to = o.map?.(f.ns);
    if (to != null && o.events?.indexDropped(f.ns, f.spec) !== true) jobs.push({ ns: f.ns, to, spec: f.spec });
  }
  for (const j of jobs) {
    o.signal?.throwIfAborted();
    await buildOne(target, j, out, o.logger);
  }
  return out;
}

async function buildOne(target: MongoTarget, j: { ns: string; to: TargetNs; spec: Document }, out: IndexBuildOutcome, logger?: Logger) {
  const { ns: _ns, ...spec } = j.spec;
  const index = String(spec.name);
  try {
    const { droppedOptions } = await target.createIndex(j.to, spec as IndexSpec);
    out.built.push({ ns: j.ns, index });
    if (droppedOptions.length > 0) out.refused.push({ ns: j.ns, index, error: `options not kept: ${droppedOptions.join(', ')}` });
  } catch (err) {
    // TargetRefused is the applier's "cannot do this" (src/oplog/apply/target.ts); anything else stops the restore.
    if (!(err instanceof Error) || err.name !== 'TargetRefused') throw err;
    out.refused.push({ ns: j.ns, index, error: err.message });
    logger?.warn({ ns: j.ns, index, error: err.message }, 'the restore target refused an index');
  }
}
