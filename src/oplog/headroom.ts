/**
 * Oplog headroom: how long the source's oplog still covers the next entry to capture. The oplog drops
 * its oldest entries first, so the entries between the oldest one and our position are the margin left
 * before a rollover; measured in seconds of oplog time.
 */
import type { MongoClient, Timestamp } from 'mongodb';

export async function oplogHeadroomSeconds(client: MongoClient, position: Timestamp): Promise<number | null> {
  const [oldest] = await client
    .db('local')
    .collection('oplog.rs')
    .find({}, { projection: { ts: 1 } })
    .sort({ $natural: 1 })
    .limit(1)
    .toArray();
  const ts = oldest?.ts as Timestamp | undefined;
  if (ts === undefined) return null;
  return Math.max(0, (position.high >>> 0) - (ts.high >>> 0));
}
