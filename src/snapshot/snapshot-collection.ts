/**
 * Streams one head collection into chunks: documents in `_id` order as raw BSON bytes (never decoded,
 * so no value changes type), cut by FastCDC, each chunk handed to the ChunkWriter. The same bytes are
 * counted and hashed (order-independent content hash) for the manifest, which restore and verify check.
 */
import type { MongoClient } from 'mongodb';
import { Chunker } from '../chunk/chunker.js';
import type { ChunkerOptions } from '../chunk/chunker-options.js';
import { ContentHash } from '../lib/content-hash.js';
import type { ChunkWriter } from './chunk-writer.js';
import type { HeadCollection } from './head-collections.js';
import { toManifestJson, type ChunkRef, type CollectionManifest } from './manifest.js';

export interface CollectionProgress {
  ns: string;
  docs: number;
  bytes: number;
}

export async function snapshotCollection(opts: {
  head: MongoClient;
  collection: HeadCollection;
  chunker: ChunkerOptions;
  writer: ChunkWriter;
  signal?: AbortSignal;
  onProgress?: (p: CollectionProgress) => void;
}): Promise<CollectionManifest> {
  const { collection: c, writer } = opts;
  const cursor = opts.head
    .db(c.headDb)
    .collection(c.coll)
    .find({}, { raw: true, sort: { _id: 1 }, batchSize: 2000 });
  const hash = new ContentHash();
  const chunker = new Chunker(opts.chunker);
  const chunks: ChunkRef[] = [];
  let bytes = 0;
  let reported = Date.now();
  try {
    for await (const raw of cursor as AsyncIterable<unknown>) {
      opts.signal?.throwIfAborted();
      const doc = raw as Buffer;
      hash.add(doc);
      bytes += doc.length;
      for (const chunk of chunker.push(doc)) chunks.push(await writer.add(chunk));
      // By time, not only by count: 5,000 large documents can outlast a heartbeat timeout.
      if (hash.count % 100 === 0 && Date.now() - reported >= 1000) {
        reported = Date.now();
        opts.onProgress?.({ ns: c.ns, docs: hash.count, bytes });
      }
    }
  } finally {
    await cursor.close();
  }
  for (const chunk of chunker.finish()) chunks.push(await writer.add(chunk));
  opts.onProgress?.({ ns: c.ns, docs: hash.count, bytes });
  return {
    ns: c.ns,
    options: toManifestJson(c.options),
    indexes: c.indexes.map(toManifestJson),
    count: hash.count,
    contentHash: hash.digest(),
    bytes,
    chunks,
  };
}
