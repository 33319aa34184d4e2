/**
 * What the restore activities share: the key named by a KeyRef, the snapshot's manifest (read once per
 * worker and kept: a manifest never changes under its key), what a replay learned about dropped
 * collections and indexes, as a payload the index build can take in another activity, and the replay's
 * saved progress in the restore's record.
 */
import { Keyring, loadKey } from '../codec/keys.js';
import type { IndexPlan, PlannedCollection } from '../contracts/restore.js';
import type { KeyRef } from '../contracts/snapshot.js';
import { NotFound, ReplaySuperseded } from '../errors/domain-errors.js';
import type { TargetCollection } from '../restore/prepare-target.js';
import { fromCheckpoint, toCheckpoint, type ReplayProgress } from '../restore/replay-progress.js';
import type { ReplayToTimeOutcome } from '../restore/replay-to-time.js';
import { readManifest } from '../snapshot/decode-snapshot.js';
import { fromManifestJson, toManifestJson, type CollectionManifest, type Manifest } from '../snapshot/manifest.js';
import type { Deps } from './deps.js';

export function keyringOf(ref: KeyRef | undefined): Keyring | undefined {
  return ref === undefined ? undefined : new Keyring([loadKey(ref)]);
}

const manifests = new Map<string, Promise<Manifest>>();
const MANIFESTS_KEPT = 16;

/** The manifest at `manifestKey` in store `store`, and the collection `ns` of it when asked for. */
export async function manifestCollection(
  deps: Deps,
  ref: { store: string; manifestKey: string },
  ns?: string,
): Promise<{ manifest: Manifest; collection: CollectionManifest }> {
  const key = `${ref.store}\0${ref.manifestKey}`;
  let read = manifests.get(key);
  if (read === undefined) {
    if (manifests.size >= MANIFESTS_KEPT) manifests.delete(manifests.keys().next().value!);
    read = readManifest(deps.store(ref.store), ref.manifestKey);
    read.catch(() => manifests.delete(key));
    manifests.set(key, read);
  }
  const manifest = await read;
  const collection = ns === undefined ? manifest.collections[0]! : manifest.collections.find((c) => c.ns === ns);
  if (collection === undefined) throw new NotFound(`collection '${ns}' is not in manifest '${ref.manifestKey}'`);
  return { manifest, collection };
}

/** The planned collections with their options from the manifest, as prepareTarget takes them. */
export async function toTargetCollections(
  deps: Deps,
  p: { store: string; manifestKey: string; collections: PlannedCollection[] },
): Promise<TargetCollection[]> {
  const out: TargetCollection[] = [];
  for (const c of p.collections) {
    const { collection } = await manifestCollection(deps, p, c.ns);
    out.push({ ns: c.ns, target: c.target, options: fromManifestJson(collection.options) });
  }
  return out;
}

/** What the index build must leave out or retry: the replay's index events, serialised, and its refused builds. */
export function indexPlanOf(r: ReplayToTimeOutcome): IndexPlan {
  return { events: r.events.toJSON(), retry: r.indexFailures.map((f) => ({ ns: f.ns, index: f.index, spec: toManifestJson(f.spec) })) };
}

/**
 * Claims the restore's replay for this attempt (`attempt` of activity `owner`: workflow run and activity id)
 * before anything is applied, and hands back the progress to go on from, as it is after the claim, and the
 * function that saves the progress there. Only a retry of the same activity goes on from an earlier
 * attempt's progress; another activity (a reset workflow, whose earlier phases rewrote the target) replays
 * from the snapshot and saves its own. Every save is fenced by the attempt: once a later attempt has claimed
 * the replay, a save of this one is refused and throws, which ends this replay before its next batch. So a
 * stale attempt (Temporal started the next one after a missed heartbeat while this process ran on) writes
 * the target for at most the rest of the batch it is in when superseded (about `CHECKPOINT_MS` plus one
 * slice; cancellation through its heartbeat comes later, up to 24 s under a 30 s timeout); it can never save
 * a position past the slices the attempt holding the replay has yet to repeat.
 * @throws ReplaySuperseded (retryable) when a later attempt already holds the replay: this one is stale.
 *   Not non-retryable: were it ever the current attempt, a retry claims again and goes on correctly.
 * @throws NotFound when the restore's record is closed or missing
 */
export async function replayCheckpoints(
  deps: Pick<Deps, 'catalog' | 'logger'>,
  restoreId: string,
  owner: string,
  attempt: number,
): Promise<{ resume?: ReplayProgress; checkpoint: (p: ReplayProgress) => Promise<void> }> {
  const superseded = (by: string) => new ReplaySuperseded(`replay attempt ${attempt} of restore '${restoreId}' was superseded by ${by}: it stops without applying more`, { details: { restoreId, attempt } });
  const claim = await deps.catalog.restores.claimReplay(restoreId, owner, attempt);
  if (!claim.claimed) {
    if (claim.holder === undefined) throw new NotFound(`restore '${restoreId}' has no running record to replay for`, { details: { restoreId } });
    throw superseded(`attempt ${claim.holder.attempt}`);
  }
  const checkpoint = async (p: ReplayProgress) => {
    if (!(await deps.catalog.restores.saveReplay(restoreId, toCheckpoint(p, { owner, attempt })))) throw superseded('a later attempt (or the restore ended)');
  };
  const saved = claim.checkpoint;
  if (saved === undefined) return { checkpoint };
  try {
    return { resume: fromCheckpoint(saved), checkpoint };
  } catch (err) {
    deps.logger.warn({ restoreId, error: String(err) }, 'the saved replay progress does not parse: replaying from the snapshot');
    return { checkpoint };
  }
}
