/**
 * Oplog headroom: how long the source's oplog still covers the next entry to capture. The oplog drops
 * its oldest entries first, so the entries between the oldest one and our position are the margin left
 * before a rollover; measured in seconds of oplog time.
 */
import type { MongoClient, Timestamp } from 'mongodb';

/** The oldest entry's timestamp, or undefined for an empty oplog. */
export async function oldestOplogTs(client: MongoClient): Promise<Timestamp | undefined> {
  const [oldest] = await client
    .db('local')
    .collection('oplog.rs')
    .find({}, { projection: { ts: 1 } })
    .sort({ $natural: 1 })
    .limit(1)
    .toArray();
  return oldest?.ts as Timestamp | undefined;
}

export function headroomSeconds(position: Timestamp, oldest: Timestamp | undefined): number | null {
  if (oldest === undefined) return null;
  return Math.max(0, (position.high >>> 0) - (oldest.high >>> 0));
}

/**
 * The oldest entry, read at most once per `everyMs` per key (a job's source). On FerretDB that read scans
 * the oplog (250 ms of server CPU at 8 MiB), and every capture call measured it: 5% of a core at one call
 * per 5 s. The oldest entry only moves forward, so a remembered one overstates headroom by at most what the
 * oplog trimmed in `everyMs`.
 */
export class OldestOplogMemo {
  private readonly seen = new Map<string, { at: number; ts: Timestamp | undefined }>();

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, client: MongoClient): Promise<Timestamp | undefined> {
    const hit = this.seen.get(key);
    if (hit !== undefined && this.now() - hit.at < this.everyMs) return hit.ts;
    const ts = await oldestOplogTs(client);
    this.seen.set(key, { at: this.now(), ts });
    return ts;
  }
}
