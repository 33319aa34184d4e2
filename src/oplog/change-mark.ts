/**
 * A cheap mark of the oplog's state, for polling FerretDB. Every read of FerretDB's oplog scans and decodes
 * the whole table (250 ms of server CPU for an 8 MiB oplog), so an idle tail polling once a second took a
 * quarter of a core from the copy. collStats answers from SQLite's page statistics without reading an
 * entry (8 ms): its count changes with every entry added, unless a trim removed exactly as many since.
 */
import type { MongoClient } from 'mongodb';

export function oplogChangeMark(client: MongoClient): () => Promise<string> {
  return async () => {
    const stats = await client.db('local').command({ collStats: 'oplog.rs' });
    return `${String(stats.count)}/${String(stats.size)}`;
  };
}
