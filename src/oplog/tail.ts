/**
 * Captures the source's oplog into slices with a tailable awaitData cursor. A tail resumes at the last
 * captured entry (ts >= last) and requires the first entry it reads to be exactly that one: if it is gone,
 * the oplog rolled over and the job needs a resync. This catches a gap when it happens, not at restore.
 * Each slice records `prevTs`, the entry before its first, so the chain of slices proves there is no hole.
 * A call that continues exactly where the last one ended may read on from that call's cursor instead
 * (tail-cursors.ts): it has returned every entry through the resume point and nothing after it.
 *
 * Order: MongoDB makes oplog entries visible in timestamp order. FerretDB (the test server) can insert
 * them slightly out of order under concurrent writers, so slices keep entries in the order the cursor
 * returns them, `lastTs` is the running maximum (the resume anchor), and a tail drains for a short grace
 * period after its deadline so late entries land in a slice instead of behind the next anchor.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Document, MongoClient } from 'mongodb';
import { Timestamp } from 'mongodb';
import { OplogRolledOver } from '../errors/domain-errors.js';
import { decodeRaw, encode, tsToString } from '../lib/bson.js';
import type { EntryChoice } from './entry-filter.js';
import { oldestOplogTs } from './headroom.js';
import { sliceAgeFrom } from './slice-age.js';
import type { TailCursors } from './tail-cursors.js';
import type { SourceReads } from '../source/read-options.js';

/** Entries per cursor batch: replies stay far below 16 MiB, and a backlog drains in few round trips. */
const TAIL_BATCH = 5000;

/** The pause before reopening a cursor the server closed, in `await` mode. */
const REOPEN_PAUSE_MS = 100;

export interface OplogSliceOut {
  entries: Uint8Array[];
  /** Each entry's wall-clock write time (ms), for capture-lag measurement; NaN when the entry has none. */
  walls: number[];
  firstTs: Timestamp;
  lastTs: Timestamp;
  prevTs: Timestamp;
}

export interface TailOptions {
  client: MongoClient;
  /** The last captured entry (or T0): the tail resumes just after it. */
  afterTs: Timestamp;
  /** Stop at this wall-clock time (ms since epoch), after closing the open slice. */
  deadline: number;
  sliceMaxBytes: number;
  sliceMaxAgeMs: number;
  /**
   * After the deadline, keep reading while entries still arrive (at most this long, default 10 s), so a
   * slow first batch is never thrown away, and a late-visible entry lands in a slice.
   */
  graceMs?: number;
  /**
   * How to wait for new entries. `await` (the default): a tailable awaitData cursor, the server waits.
   * `poll`: a tailable cursor without awaitData, and the tail sleeps `pollMs` after an empty batch. For
   * FerretDB, whose awaitData getMore re-runs its query every 10 ms while it waits: 10% of a core for
   * an idle tail where polling every 200 ms takes 2% (docs/ferretdb-findings.md).
   */
  wait?: { mode: 'await' } | { mode: 'poll'; pollMs: number };
  /**
   * Which entries the slices keep (src/oplog/entry-filter.ts); all when absent. A left-out entry still
   * moves the chain on: a slice that would hold none but left-out entries holds one no-op in their place.
   */
  select?: (entry: Document, raw: Uint8Array) => EntryChoice;
  /**
   * End the call early, at a slice boundary, once a slice has been written and this long has passed since
   * the call began. The follow applies what a finished call reports: under load a call then returns about
   * this often (so the head trails the source by about this much, not by the whole call), while an idle
   * call still runs to its deadline (one call, not a stream of empty ones, in the workflow's history).
   */
  returnAfterMs?: number;
  /** How the oplog is read (member, read concern): src/source/read-options.ts. */
  reads?: SourceReads;
  /**
   * Cursors kept between calls (src/oplog/tail-cursors.ts), under `key` (the chain's name): the call takes
   * the cursor a previous call left when it resumes exactly where that one ended, and leaves its own when
   * it ends cleanly. Without it every call opens a cursor, which FerretDB serves by reading the oplog.
   */
  cursors?: { kept: TailCursors; key: string };
  writeSlice: (slice: OplogSliceOut) => Promise<void>;
  onProgress?: (p: { lastTs: Timestamp; slices: number; entries: number }) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export async function tailOplog(
  opts: TailOptions,
): Promise<{ lastTs: Timestamp; slices: number; entries: number }> {
  const now = opts.now ?? Date.now;
  const wait = opts.wait ?? { mode: 'await' };
  const openCursor = (from: Timestamp) =>
    opts.client
      .db('local')
      .collection('oplog.rs')
      .find(
        { ts: { $gte: from } },
        {
          ...(wait.mode === 'await'
            ? { tailable: true, awaitData: true, maxAwaitTimeMS: 100 }
            : { tailable: true, awaitData: false }),
          raw: true,
          batchSize: TAIL_BATCH,
          ...opts.reads,
        },
      );
  // The entry the cursor must return first: the resume point, then the newest entry seen at a reopen.
  let anchor = opts.afterTs;
  // A kept cursor has returned every entry through afterTs and nothing after it: no anchor to look for.
  const keptKey = opts.cursors && `${opts.cursors.key}|${wait.mode}|${JSON.stringify(opts.reads ?? {})}`;
  const keptCursor = keptKey === undefined ? undefined : opts.cursors!.kept.take(keptKey, opts.client, anchor);
  let cursor = keptCursor ?? openCursor(anchor);
  let lastReadMs = 0;
  let everAnchored = keptCursor !== undefined;
  const state = { lastTs: opts.afterTs, slices: 0, entries: 0 };
  let open = fresh();
  let anchored = keptCursor !== undefined;
  let parked = false;
  function fresh() {
    return {
      entries: [] as Uint8Array[],
      walls: [] as number[],
      /** Entries read into this slice's range but left out by `select`. */
      skipped: 0,
      bytes: 0,
      firstTs: undefined as Timestamp | undefined,
      lastTs: state.lastTs,
      /** When the age limit starts counting: from the first entry's write (slice-age.ts). */
      ageFrom: now(),
    };
  }
  const empty = () => open.entries.length === 0 && open.skipped === 0;
  const close = async () => {
    if (empty()) return;
    const last = open.lastTs;
    const stand = open.entries.length === 0;
    await opts.writeSlice({
      entries: stand ? [leftOutMarker(last, open.skipped)] : open.entries,
      walls: stand ? [Number.NaN] : open.walls,
      firstTs: open.firstTs!,
      lastTs: last,
      prevTs: state.lastTs,
    });
    state.lastTs = last;
    state.slices += 1;
    state.entries += open.entries.length;
    open = fresh();
    opts.onProgress?.({ ...state });
  };
  try {
    const stopAt = opts.deadline + (opts.graceMs ?? 10_000);
    // A batch the server already sent is taken whatever the clock says: when the first read alone takes
    // longer than the call (FerretDB scanning a full oplog on a loaded machine took 28 s), stopping at the
    // deadline would return nothing, and every later call would reopen at the same anchor and do the
    // same, until the oplog rolled past it.
    let first = true;
    const earlyAt = opts.returnAfterMs === undefined ? Number.POSITIVE_INFINITY : now() + opts.returnAfterMs;
    // Only with no slice open: what the cursor holds beyond is read again by the next call, from lastTs.
    const endEarly = () => state.slices > 0 && empty() && now() >= earlyAt;
    while ((first || now() < stopAt || cursor.bufferedCount() > 0) && !endEarly()) {
      first = false;
      opts.signal?.throwIfAborted();
      // What a read that reaches the server costs (a reopen on FerretDB scans the oplog). Polling waits
      // at least that long, so it never takes more than half of the server's time however slow it gets.
      const fetches = cursor.bufferedCount() === 0 && !cursor.closed;
      const readStart = now();
      const raw = (await cursor.tryNext()) as Uint8Array | null;
      if (fetches) lastReadMs = now() - readStart;
      if (raw === null) {
        if (now() >= opts.deadline) break; // drained after the deadline
        if (cursor.closed && !anchored) {
          await assertStillInOplog(opts.client, anchor);
          throw new Error(`the oplog cursor closed before reaching ${tsToString(anchor)}; retrying`);
        }
        if (!empty() && now() - open.ageFrom >= opts.sliceMaxAgeMs) await close();
        // A closed cursor answers null at once: pause before reopening it, or the loop would spin.
        const pauseMs =
          wait.mode === 'poll' ? Math.max(wait.pollMs, lastReadMs) : cursor.closed ? REOPEN_PAUSE_MS : 0;
        await idle(pollPause(pauseMs, open, opts, now()), opts.signal);
        if (cursor.closed) {
          // The server ended the tailable cursor: FerretDB when capped cleanup passes it, MongoDB when its
          // position is lost. Reopen at the newest entry seen (the running maximum), which must come back
          // first.
          await cursor.close();
          anchor = open.lastTs;
          anchored = false;
          cursor = openCursor(anchor);
        }
        continue;
      }
      const entry = decodeRaw(raw);
      const ts = entry.ts as Timestamp;
      if (!anchored) {
        // The first entry must be the one we resume after; anything else means it was truncated away.
        if (!ts.equals(anchor)) throw rolledOver(anchor, ts);
        anchored = true;
        everAnchored = true;
        continue;
      }
      const choice = opts.select?.(entry, raw) ?? 'keep';
      const kept = choice === 'keep' ? raw : choice === 'drop' ? undefined : choice;
      const startsAt = () => sliceAgeFrom(entry.wall, now(), opts.sliceMaxAgeMs);
      if (empty()) open = { ...fresh(), firstTs: ts, ageFrom: startsAt() };
      if (kept !== undefined && open.bytes + kept.length > opts.sliceMaxBytes) {
        await close();
        open = { ...fresh(), firstTs: ts, ageFrom: startsAt() };
      }
      if (kept === undefined) {
        open.skipped += 1;
      } else {
        open.entries.push(kept);
        open.walls.push(entry.wall instanceof Date ? entry.wall.getTime() : Number.NaN);
        open.bytes += kept.length;
      }
      if (ts.gt(open.lastTs)) open.lastTs = ts;
      // Only between batches: a backlog read at once goes into one slice, however old its entries are.
      if (cursor.bufferedCount() === 0 && now() - open.ageFrom >= opts.sliceMaxAgeMs) await close();
    }
    await close();
    // Every entry the cursor returned is now in a durable slice, through state.lastTs.
    if (keptKey !== undefined && anchored && !cursor.closed) {
      opts.cursors!.kept.park(keptKey, opts.client, state.lastTs, cursor);
      parked = true;
    }
  } finally {
    if (!parked) await cursor.close();
  }
  // (An entry is only ever taken after the anchor was found, so no entries means none was found.)
  if (!everAnchored) await assertStillInOplog(opts.client, anchor);
  return state;
}

/**
 * Stands for entries the filter left out, where a slice would otherwise hold none: a no-op at the
 * newest ts read, so the slice, its range and the chain exist as for any other stretch of the oplog.
 */
function leftOutMarker(ts: Timestamp, count: number): Uint8Array {
  const msg = `headwater: ${count} oplog entries left out by the job's namespace filter`;
  return encode({ op: 'n', ns: '', o: { msg }, ts, wall: new Date() });
}

/** The pause after an empty batch: at most `pollMs`, and never past the open slice's age limit. */
function pollPause(
  pollMs: number,
  open: { entries: unknown[]; skipped: number; ageFrom: number },
  opts: Pick<TailOptions, 'sliceMaxAgeMs' | 'deadline'>,
  at: number,
): number {
  let ms = Math.min(pollMs, Math.max(0, opts.deadline - at));
  if (open.entries.length + open.skipped > 0)
    ms = Math.min(ms, Math.max(0, open.ageFrom + opts.sliceMaxAgeMs - at));
  return ms;
}

function idle(ms: number, signal?: AbortSignal): Promise<void> {
  // An abort ends the pause early; the loop's throwIfAborted then reports it.
  return ms <= 0 ? Promise.resolve() : sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** A tail that saw nothing at all must still find its anchor in the oplog, or the oplog rolled over. */
async function assertStillInOplog(client: MongoClient, ts: Timestamp): Promise<void> {
  const oplog = client.db('local').collection('oplog.rs');
  const found = await oplog.findOne({ ts }, { projection: { ts: 1 } });
  if (found === null) throw rolledOver(ts, await oldestOplogTs(client));
}

function rolledOver(wanted: Timestamp, oldest: Timestamp | undefined): OplogRolledOver {
  const have = oldest === undefined ? 'the oplog is empty' : `its oldest entry is now ${tsToString(oldest)}`;
  return new OplogRolledOver(
    `backup requires a resync: the source oplog no longer holds ${tsToString(wanted)}, the last captured entry ` +
      `(${have}); entries after ${tsToString(wanted)}${oldest ? ` and before ${tsToString(oldest)}` : ''} are lost to this job`,
    { details: { missingFrom: tsToString(wanted), oldestAvailable: oldest ? tsToString(oldest) : null } },
  );
}
