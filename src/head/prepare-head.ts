/**
 * Prepares a sync's head before anything is copied: drops whatever an earlier attempt of the same sync
 * left, then creates every collection with its source options (so empty and capped collections exist).
 */
import type { MongoClient } from 'mongodb';
import type { CollectionPlan } from '../catalog/syncs.js';
import { headDbName, headNamespace } from './head-names.js';

// Validators are left off the head: like MongoDB's own initial sync, replay must not be refused midway.
const KEEP_OPTIONS = ['capped', 'size', 'max', 'collation'];

export async function prepareHead(
  head: MongoClient,
  jobId: string,
  syncNumber: number,
  plan: CollectionPlan[],
) {
  const prefix = headDbName(jobId, syncNumber, '');
  const { databases } = await head.db('admin').command({ listDatabases: 1, nameOnly: true });
  for (const { name } of databases as Array<{ name: string }>) {
    if (name.startsWith(prefix)) await head.db(name).dropDatabase();
  }
  for (const c of plan) {
    const { db, coll } = headNamespace(jobId, syncNumber, c.ns);
    const options = Object.fromEntries(Object.entries(c.options).filter(([k]) => KEEP_OPTIONS.includes(k)));
    await head.db(db).createCollection(coll, options);
  }
}
