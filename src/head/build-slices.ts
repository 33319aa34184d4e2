/**
 * The `building` phase: inserts collection slices into the head as they arrive, oldest first, marking
 * each built only after its documents are in. A crash between the two re-inserts the slice, which
 * insertDocs tolerates.
 */
import type { MongoClient } from 'mongodb';
import type { Catalog } from '../catalog/catalog.js';
import type { SliceRecord } from '../catalog/slices.js';
import { headNamespace } from './head-names.js';
import { insertDocs } from './insert-docs.js';

export interface BuildOptions {
  jobId: string;
  syncNumber: number;
  catalog: Catalog;
  head: MongoClient;
  read: (rec: SliceRecord) => Promise<Uint8Array[]>;
  deadline: number;
  onProgress?: (p: { slices: number; docs: number }) => void;
}

export async function buildPendingSlices(opts: BuildOptions) {
  const result = { slices: 0, docs: 0, perCollection: {} as Record<string, number> };
  const stream = `sync-${opts.syncNumber}`;
  while (Date.now() < opts.deadline) {
    const pending = await opts.catalog.slices.unbuilt(opts.jobId, stream, 16);
    if (pending.length === 0) break;
    for (const rec of pending) {
      const { db, coll } = headNamespace(opts.jobId, opts.syncNumber, rec.ns!);
      const docs = await opts.read(rec);
      await insertDocs(opts.head.db(db).collection(coll), docs);
      await opts.catalog.slices.markBuilt(rec._id);
      result.slices += 1;
      result.docs += docs.length;
      result.perCollection[rec.ns!] = (result.perCollection[rec.ns!] ?? 0) + 1;
      opts.onProgress?.({ slices: result.slices, docs: result.docs });
      if (Date.now() >= opts.deadline) break;
    }
  }
  return result;
}
