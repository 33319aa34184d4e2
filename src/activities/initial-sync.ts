/**
 * Activities of the initial sync: thin adapters that parse their input, resolve connections and stores by
 * id, call one domain function, heartbeat its progress and return a small reference-only result.
 */
import { BSON } from 'mongodb';
import {
  ApplyInput,
  BuildSlicesInput,
  CopyRangeInput,
  FetchMissingInput,
  IndexesInput,
  type ApplyResult,
  type BuildSlicesResult,
  type CopyRangeResult,
  type IndexesResult,
} from '../contracts/activities.js';
import { InitialSyncInput, TsString, type SyncStart } from '../contracts/initial-sync.js';
import { asActivity } from '../errors/to-failure.js';
import { applyOplogRange } from '../head/apply-range.js';
import { buildPendingSlices } from '../head/build-slices.js';
import { createHeadIndexes } from '../head/create-indexes.js';
import { fetchMissing } from '../head/fetch-missing.js';
import { prepareHead } from '../head/prepare-head.js';
import { tsFromString, tsToString } from '../lib/bson.js';
import { checkSource } from '../source/check-source.js';
import { NamespaceFilter } from '../source/namespace-filter.js';
import { chooseMember, resolveReadPreference, sourceReads } from '../source/read-options.js';
import { onMember, splitConnectionRef } from '../config/connections.js';
import { copyRange, type CopyResume } from '../source/copy-range.js';
import { defaultRangeDocs, latestOplogTs, planCollections } from '../source/plan-sync.js';
import type { Deps } from './deps.js';
import { cancellationSignal, heartbeat, keepAlive, resumeFrom } from './heartbeat.js';
import { keyForSlices } from '../slice/slice-keys.js';
import { SliceIo } from './slice-io.js';
import { z } from 'zod';

/** Which member a sync reads: MongoDB's read preference, the default filled in. */
const MemberChoice = z.object({
  source: z.string().min(1),
  readPreference: z.string().optional(),
  readTags: z.array(z.record(z.string(), z.string())).optional(),
});

export function createInitialSyncActivities(deps: Deps) {
  const slices = new SliceIo(deps);
  /** The client of the member a sync's plan pinned (plans recorded before pinning: the source as named). */
  const readClient = (source: string, member: string | undefined) =>
    deps.connections.client(member === undefined ? source : onMember(splitConnectionRef(source).id, member));
  return {
    /**
     * Chooses the member a sync will read, by its read preference (src/source/read-options.ts), and
     * returns the reference that reads it alone (`<connection id>@<host:port>`): the sync's T0, copy and
     * capture, and the follow after it, all read that member. Refused (InvalidConfig) when none matches.
     */
    async chooseSyncMember(raw: z.input<typeof MemberChoice>): Promise<string> {
      return asActivity(async () => {
        const p = MemberChoice.parse(raw);
        const { id } = splitConnectionRef(p.source);
        const member = await chooseMember(deps.connections.client(id), id, resolveReadPreference(p));
        deps.logger.info({ source: id, member }, 'sync member chosen');
        return onMember(id, member);
      });
    },

    /** starting: check the source, record T0 before any document is read, plan the copy. */
    async syncStart(raw: z.input<typeof InitialSyncInput>): Promise<SyncStart> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = InitialSyncInput.parse(raw);
          const reads = resolveReadPreference(p);
          const { id, member: pinned } = splitConnectionRef(p.source);
          await checkSource(deps.connections.client(id), id);
          // One member for T0, the plan and the copy (read-options.ts): the job's, or chosen here.
          const member = pinned ?? (await chooseMember(deps.connections.client(id), id, reads));
          const client = deps.connections.client(onMember(id, member));
          // A key that cannot be found fails the sync here, before a slice is written in clear or not at all.
          if (p.encryptionKeyId !== undefined) keyForSlices(p.encryptionKeyId);
          const t0 = await latestOplogTs(client, sourceReads(reads));
          const collections = await planCollections(client, {
            ...p.filter,
            rangeDocs: p.rangeDocs ?? (await defaultRangeDocs(client)),
            readPreference: sourceReads(reads).readPreference,
            onProgress: heartbeat,
            signal: cancellationSignal(),
          });
          await deps.catalog.ensureIndexes();
          await prepareHead(deps.connections.client(p.head), p.jobId, p.syncNumber, collections);
          await deps.catalog.syncs.recordPlan({
            _id: `${p.jobId}/${p.syncNumber}`,
            jobId: p.jobId,
            syncNumber: p.syncNumber,
            source: p.source,
            t0,
            collections,
            filter: p.filter,
            reads,
            member,
            sliceKeyId: p.encryptionKeyId,
            createdAt: new Date(),
          });
          deps.logger.info(
            { jobId: p.jobId, t0: tsToString(t0), collections: collections.length, member },
            'initial sync planned',
          );
          return {
            t0: tsToString(t0),
            namespaces: collections.map((c) => c.ns),
            ranges: collections.flatMap((c) => c.ranges.map((_, index) => ({ ns: c.ns, index }))),
          };
        }),
      );
    },

    /** transferring: one _id range into slices; resumes after the last durable slice. */
    async copyRange(raw: CopyRangeInput): Promise<CopyRangeResult> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = CopyRangeInput.parse(raw);
          const plan = await deps.catalog.syncs.get(p.jobId, p.syncNumber);
          const range = plan.collections.find((c) => c.ns === p.ns)?.ranges[p.rangeIndex];
          if (range === undefined) throw new Error(`no range ${p.rangeIndex} of '${p.ns}' in the sync plan`);
          const beat = resumeFrom<{ lastId: string; seq: number; docs: number; bytes: number }>();
          const resume: CopyResume | undefined = beat && {
            ...beat,
            lastId: BSON.EJSON.parse(beat.lastId, { relaxed: false }),
          };
          const res = await copyRange({
            client: readClient(p.source, plan.member),
            ns: p.ns,
            range,
            resume,
            sliceMaxBytes: p.sliceMaxBytes,
            readPreference: sourceReads(plan.reads).readPreference,
            writeSlice: (docs, seq) => slices.writeCollectionSlice({ ...p, keyId: plan.sliceKeyId }, docs, seq),
            onProgress: (s) =>
              heartbeat({ ...s, lastId: BSON.EJSON.stringify(s.lastId, { relaxed: false }) }),
            signal: cancellationSignal(),
          });
          return { docs: res.docs, bytes: res.bytes, slices: res.seq };
        }),
      );
    },

    /** building: inserts slices into the head as they arrive, for a bounded time. */
    async buildSlices(raw: BuildSlicesInput): Promise<BuildSlicesResult> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = BuildSlicesInput.parse(raw);
          return buildPendingSlices({
            ...p,
            catalog: deps.catalog,
            head: deps.connections.client(p.head),
            read: (rec) => slices.read(rec),
            deadline: Date.now() + p.maxSeconds * 1000,
            onProgress: heartbeat,
          });
        }),
      );
    },

    /** The timestamp of the newest entry in the source's oplog. */
    async oplogEnd(raw: { source: string }): Promise<string> {
      return asActivity(async () =>
        tsToString(await latestOplogTs(deps.connections.client(z.string().parse(raw.source)))),
      );
    },

    /** applying oplogs: replays captured slices after afterTs onto the head, up to untilTs or the call's bounds. */
    async applyOplog(raw: z.input<typeof ApplyInput>): Promise<ApplyResult> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = ApplyInput.parse(raw);
          const plan = await deps.catalog.syncs.get(p.jobId, p.syncNumber);
          const res = await applyOplogRange({
            jobId: p.jobId,
            syncNumber: p.syncNumber,
            namespaces: new Set(plan.collections.map((c) => c.ns)),
            filter: plan.filter === undefined ? undefined : new NamespaceFilter(plan.filter),
            head: deps.connections.client(p.head),
            catalog: deps.catalog,
            read: (rec) => slices.read(rec),
            afterTs: tsFromString(p.afterTs),
            untilTs: tsFromString(p.untilTs),
            maxSlices: p.maxSlices,
            deadline: Date.now() + p.maxSeconds * 1000,
            onProgress: heartbeat,
          });
          await deps.catalog.syncs.addMissing(p.jobId, p.syncNumber, res.missing);
          deps.metrics.applied.inc({ job: p.jobId }, res.entries);
          // From what this call reached: a bounded call may stop before untilTs.
          deps.metrics.applyLag.set({ job: p.jobId }, Math.max(0, Date.now() / 1000 - res.through.high));
          return { through: tsToString(res.through), entries: res.entries, missing: res.missing.length };
        }),
      );
    },

    /** fetching missing documents: re-reads, by _id, what updates referred to and the head lacked. */
    async fetchMissing(raw: FetchMissingInput): Promise<{ fetched: number; gone: number }> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = FetchMissingInput.parse(raw);
          const plan = await deps.catalog.syncs.get(p.jobId, p.syncNumber);
          return fetchMissing({
            ...p,
            catalog: deps.catalog,
            source: readClient(p.source, plan.member),
            head: deps.connections.client(p.head),
          });
        }),
      );
    },

    /** creating indexes: every source index with its options; failures listed, never dropped silently. */
    async buildIndexes(raw: IndexesInput): Promise<IndexesResult> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = IndexesInput.parse(raw);
          const plan = await deps.catalog.syncs.get(p.jobId, p.syncNumber);
          return createHeadIndexes({
            ...p,
            plan,
            head: deps.connections.client(p.head),
            onProgress: heartbeat,
          });
        }),
      );
    },

    async completeSync(raw: { jobId: string; syncNumber: number; consistentAt: string }): Promise<void> {
      return asActivity(() =>
        keepAlive(async () => {
          const ts = tsFromString(TsString.parse(raw.consistentAt));
          await deps.catalog.syncs.markConsistent(raw.jobId, raw.syncNumber, ts);
        }),
      );
    },
  };
}
