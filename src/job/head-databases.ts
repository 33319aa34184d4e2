/**
 * A job's head databases on the head server: `hw_<jobId>_<syncNumber>__<db>` (src/head/head-names.ts).
 * Listed by that exact prefix, so job `a` never touches job `a-b`'s heads. Dropping heads of earlier
 * syncs once a new one is complete is how a resync switches generations: the new head is built beside.
 */
import type { MongoClient } from 'mongodb';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The job's head databases, with the sync each belongs to. */
export async function listHeadDatabases(head: MongoClient, jobId: string): Promise<Array<{ name: string; syncNumber: number }>> {
  const re = new RegExp(`^hw_${escape(jobId)}_(\\d+)__`);
  const { databases } = await head.db('admin').admin().listDatabases({ nameOnly: true });
  return databases.flatMap((d) => {
    const m = re.exec(d.name);
    return m === null ? [] : [{ name: d.name, syncNumber: Number(m[1]) }];
  });
}

/** Drops the job's head databases, all of them or those of syncs other than `keep`; returns their names. */
export async function dropHeadDatabases(head: MongoClient, jobId: string, keep?: number): Promise<string[]> {
  const dropped: string[] = [];
  for (const db of await listHeadDatabases(head, jobId)) {
    if (db.syncNumber === keep) continue;
    await head.db(db.name).dropDatabase();
    dropped.push(db.name);
  }
  return dropped;
}
