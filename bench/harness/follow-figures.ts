/**
 * Figures of a follow run, read from records rather than sampled: capture lag per oplog entry (the
 * catalog's slice record time minus the entry's wall time on the source) and the applier's busy
 * throughput (entries over the time its applyOplog activities ran, from the workflow history).
 */
import type { Client } from '@temporalio/client';
import type { Document, MongoClient, Timestamp } from 'mongodb';
import { CatalogCollections } from '../../src/catalog/names.js';

interface SliceSpan {
  firstTs: Timestamp;
  lastTs: Timestamp;
  createdAt: Date;
}

/**
 * Milliseconds from each entry's write (its `wall`) to the record of the slice holding it. A slice is
 * recorded in the catalog after it is durable, so this is source write -> durable slice, or a little more.
 * An entry lies in the earliest-recorded slice whose [firstTs, lastTs] holds its timestamp.
 */
export async function captureLagsMs(source: MongoClient, head: MongoClient, jobId: string, db: string, after: Timestamp, through: Timestamp, catalogDb = 'headwater'): Promise<number[]> {
  const slices = (await head
    .db(catalogDb)
    .collection(CatalogCollections.slices)
    .find({ jobId, stream: 'oplog', lastTs: { $gt: after } }, { projection: { firstTs: 1, lastTs: 1, createdAt: 1 } })
    .sort({ createdAt: 1 })
    .toArray()) as unknown as SliceSpan[];
  const entries = await source
    .db('local')
    .collection('oplog.rs')
    .find({ ts: { $gt: after, $lte: through } }, { projection: { ts: 1, wall: 1, ns: 1 } })
    .toArray();
  const lags: number[] = [];
  // The namespace is filtered here, not in the query: FerretDB serves ns-regex-and-ts oplog queries slowly.
  for (const e of entries.filter((x) => String(x.ns).startsWith(`${db}.`))) {
    const ts = e.ts as Timestamp;
    const slice = slices.find((s) => s.firstTs.lte(ts) && s.lastTs.gte(ts));
    if (slice === undefined || !(e.wall instanceof Date)) throw new Error(`no captured slice holds oplog entry ${ts.toString()} of ${db}`);
    lags.push(slice.createdAt.getTime() - e.wall.getTime());
  }
  return lags;
}

/** Entries applied and seconds spent in completed applyOplog activities of a workflow's current run. */
export async function applyBusy(client: Client, workflowId: string, activity = 'applyOplog'): Promise<{ entries: number; seconds: number; activities: number }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const startedAt = new Map<string, number>();
  let entries = 0;
  let ms = 0;
  let activities = 0;
  for (const ev of history.events ?? []) {
    const id = String(ev.eventId);
    const at = Number(ev.eventTime?.seconds ?? 0) * 1000 + Math.floor((ev.eventTime?.nanos ?? 0) / 1e6);
    const sch = ev.activityTaskScheduledEventAttributes;
    if (sch) scheduled.set(id, sch.activityType?.name ?? '');
    const st = ev.activityTaskStartedEventAttributes;
    if (st) startedAt.set(String(st.scheduledEventId), at);
    const done = ev.activityTaskCompletedEventAttributes;
    if (done && scheduled.get(String(done.scheduledEventId)) === activity) {
      const payload = done.result?.payloads?.[0]?.data;
      const res = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as Document) : {};
      entries += Number(res.entries ?? 0);
      ms += at - (startedAt.get(String(done.scheduledEventId)) ?? at);
      activities += 1;
    }
  }
  return { entries, seconds: ms / 1000, activities };
}
