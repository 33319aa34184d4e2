/**
 * The restore suite's one verification: every collection of a restored database (Headwater's, each
 * baseline's, the export loaded by mongorestore) has the manifest's count and content hash. A figure is
 * only reported for a restore that passed it; a mismatch fails the suite, naming the collection.
 */
import type { MongoClient } from 'mongodb';
import { splitNs } from '../../src/lib/namespace.js';
import { digestCollection } from '../../src/restore/verify-collection.js';
import type { Manifest } from '../../src/snapshot/manifest.js';

export async function assertMatchesManifest(client: MongoClient, db: string, manifest: Manifest, what: string): Promise<void> {
  for (const c of manifest.collections) {
    const coll = splitNs(c.ns).coll;
    const got = await digestCollection(client, { db, coll });
    if (got.count !== c.count || got.contentHash !== c.contentHash) {
      throw new Error(`${what}: '${db}.${coll}' holds ${got.count} documents with content hash ${got.contentHash}; the snapshot has ${c.count} with ${c.contentHash}`);
    }
  }
}
