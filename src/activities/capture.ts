/**
 * The capture activity: tails the source's oplog into oplog slices for a bounded time, heartbeating its
 * last captured timestamp; a retried attempt resumes from that heartbeat, never from the start. It also
 * measures capture lag (entry written -> slice durable) and the oplog headroom left. The slices extend
 * the chain of the sync named in the input, keep only the entries its namespace filter keeps, and are
 * sealed with its key when it has one (both from the sync's record).
 */
import { CaptureInput, type CaptureResult } from '../contracts/activities.js';
import { asActivity } from '../errors/to-failure.js';
import { tsFromString, tsToString } from '../lib/bson.js';
import { serverKind } from '../lib/server-kind.js';
import { OldestOplogMemo, headroomSeconds } from '../oplog/headroom.js';
import { chooseEntry } from '../oplog/entry-filter.js';
import { tailOplog } from '../oplog/tail.js';
import { TailCursors } from '../oplog/tail-cursors.js';
import { NamespaceFilter } from '../source/namespace-filter.js';
import { sourceReads } from '../source/read-options.js';
import type { Deps } from './deps.js';
import { cancellationSignal, heartbeat, keepAlive, resumeFrom } from './heartbeat.js';
import { SliceIo } from './slice-io.js';

/**
 * On FerretDB an awaitData getMore re-runs its query every 10 ms while it waits: an idle tail took 10% of a
 * source core that way, 2% polling every 200 ms (docs/ferretdb-findings.md). MongoDB waits for entries.
 */
const FERRETDB_POLL_MS = 200;

/** How often a job's headroom reads the oplog's oldest entry. */
const HEADROOM_EVERY_MS = 30_000;

type Beat = { lastTs: string; slices: number; entries: number };

export function createCaptureActivities(deps: Deps) {
  const slices = new SliceIo(deps);
  const oldest = new OldestOplogMemo(HEADROOM_EVERY_MS);
  // Each call reads on from its chain's open cursor: reopening one read FerretDB's whole oplog (1.5-5 s).
  const cursors = new TailCursors();
  return {
    async captureOplog(raw: CaptureInput): Promise<CaptureResult> {
      return asActivity(() =>
        keepAlive(async () => {
          const p = CaptureInput.parse(raw);
          const beat = resumeFrom<Beat>() ?? { lastTs: p.afterTs, slices: 0, entries: 0 };
          // Another attempt of this chain (one Temporal timed out while its process ran on) may have
          // extended it past the heartbeat: carry on from the chain's end, or the first slice is refused.
          const end = await deps.catalog.slices.chainEnd({ jobId: p.jobId, syncNumber: p.syncNumber });
          if (end !== undefined && end.gt(tsFromString(beat.lastTs))) beat.lastTs = tsToString(end);
          const client = deps.connections.client(p.source);
          const sync = await deps.catalog.syncs.find(p.jobId, p.syncNumber);
          const filter = sync?.filter === undefined ? undefined : new NamespaceFilter(sync.filter);
          const ref = { ...p, keyId: sync?.sliceKeyId };
          let captureLagSeconds = 0;
          // Read beside the tail, not after it: on FerretDB it reads the whole oplog (up to 4 s under load),
          // and after the tail it held up the next call, with every entry written meanwhile.
          const oldestRead = oldest.get(`${p.jobId}/${p.source}`, client);
          oldestRead.catch(() => undefined); // awaited below; a failed tail must not leave it unhandled
          const res = await tailOplog({
            client,
            wait:
              (await serverKind(client)) === 'ferretdb'
                ? { mode: 'poll', pollMs: p.pollMs ?? FERRETDB_POLL_MS }
                : { mode: 'await' },
            afterTs: tsFromString(beat.lastTs),
            deadline: Date.now() + p.maxSeconds * 1000,
            returnAfterMs: p.returnAfterSeconds === undefined ? undefined : p.returnAfterSeconds * 1000,
            sliceMaxBytes: p.sliceMaxBytes,
            sliceMaxAgeMs: p.sliceMaxAgeMs,
            reads: sourceReads(sync?.reads),
            cursors: { kept: cursors, key: `${p.jobId}/${p.syncNumber}/${p.source}` },
            select: filter === undefined ? undefined : (entry, raw) => chooseEntry(filter, entry, raw),
            writeSlice: async (s) => {
              await slices.writeOplogSlice(ref, s);
              const durableAt = Date.now();
              for (const wall of s.walls)
                if (!Number.isNaN(wall))
                  deps.metrics.captureLag.observe({ job: p.jobId }, (durableAt - wall) / 1000);
              deps.metrics.captured.inc({ job: p.jobId }, s.entries.length);
              const lastWall = s.walls[s.walls.length - 1];
              captureLagSeconds =
                lastWall === undefined || Number.isNaN(lastWall) ? 0 : (durableAt - lastWall) / 1000;
            },
            onProgress: (s) =>
              heartbeat({
                lastTs: tsToString(s.lastTs),
                slices: beat.slices + s.slices,
                entries: beat.entries + s.entries,
              }),
            signal: cancellationSignal(),
          });
          const headroom = headroomSeconds(res.lastTs, await oldestRead);
          if (headroom !== null) {
            deps.metrics.headroom.set({ job: p.jobId }, headroom);
            if (headroom < p.headroomWarnSeconds) {
              deps.logger.warn(
                { jobId: p.jobId, headroomSeconds: headroom },
                'oplog headroom below threshold: the source oplog may roll over before capture',
              );
            }
          }
          return {
            lastTs: tsToString(res.lastTs),
            slices: beat.slices + res.slices,
            entries: beat.entries + res.entries,
            captureLagSeconds,
            headroomSeconds: headroom,
          };
        }),
      );
    },
  };
}
