/**
 * The `creating indexes` phase: builds every source index on the head with its options (unique,
 * compound, partial, sparse, TTL, collation, hidden). An index the head cannot build is listed in the
 * result with the server's reason; it is never dropped silently.
 */
import type { Document, MongoClient } from 'mongodb';
import type { SyncRecord } from '../catalog/syncs.js';
import { headNamespace } from './head-names.js';

/** Options of a listIndexes entry that createIndexes does not take. */
const NOT_OPTIONS = new Set(['v', 'ns', 'key', 'name']);

export async function createHeadIndexes(opts: {
  jobId: string;
  syncNumber: number;
  plan: SyncRecord;
  head: MongoClient;
  onProgress?: (p: { built: number }) => void;
}) {
  const failed: Array<{ ns: string; name: string; error: string }> = [];
  let built = 0;
  for (const c of opts.plan.collections) {
    const { db, coll } = headNamespace(opts.jobId, opts.syncNumber, c.ns);
    const target = opts.head.db(db).collection(coll);
    for (const spec of c.indexes as Document[]) {
      if (spec.name === '_id_') continue;
      const options = Object.fromEntries(Object.entries(spec).filter(([k]) => !NOT_OPTIONS.has(k)));
      try {
        await target.createIndex(spec.key as Document, { name: String(spec.name), ...options });
        built += 1;
        opts.onProgress?.({ built });
      } catch (err) {
        failed.push({ ns: c.ns, name: String(spec.name), error: (err as Error).message });
      }
    }
  }
  return { built, failed };
}
