/**
 * The data path of one collection: the snapshot's documents, split from read-ahead chunks, inserted into
 * the target in unordered batches bounded in documents and bytes. After each finished batch the caller
 * gets a cursor (documents and stream bytes done), exact to the document: a restore resumed from it goes
 * on with the next document. Invariant: no duplicate and nothing missing after a resume. Documents a
 * killed attempt inserted past the cursor it reported come back as duplicate-key errors (`_id` is unique),
 * which are ignored only until the first batch that inserts without one.
 */
import { MongoBulkWriteError, type Document, type MongoClient } from 'mongodb';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Keyring } from '../codec/keys.js';
import type { TargetNs } from '../oplog/apply/index.js';
import { DocumentSplitter } from '../snapshot/decode-snapshot.js';
import type { CollectionManifest, Manifest } from '../snapshot/manifest.js';
import type { BlobStore } from '../store/blob-store.js';
import { chunkStream } from './chunk-stream.js';
import { insertable } from './insertable.js';

const DUPLICATE_KEY = 11000;
/**
 * An insert's bounds. Bytes bound it for all but tiny documents: one round trip per 8 MiB, far under the
 * 48 MB message limit (a count bound of 1,000 cut 300-byte documents into 300 KB inserts). Memory per
 * collection in flight: one batch, its decoded form, and the read-ahead.
 */
export const DEFAULT_BATCH_DOCS = 10_000;
export const DEFAULT_BATCH_BYTES = 8 * 1024 * 1024;

/** Where a collection's restore stands: documents inserted and the byte offset of the next one. */
export const RestoreCursor = z.object({ docs: z.number().int().min(0), bytes: z.number().int().min(0) });
export type RestoreCursor = z.infer<typeof RestoreCursor>;

export interface RestoreCollectionOptions {
  target: MongoClient;
  targetNs: TargetNs;
  store: BlobStore;
  manifest: Manifest;
  collection: CollectionManifest;
  keyring?: Keyring;
  /** A cursor an earlier attempt reported; absent for a fresh start. */
  resume?: RestoreCursor;
  /** Batch bounds (defaults DEFAULT_BATCH_DOCS, DEFAULT_BATCH_BYTES). */
  batchDocs?: number;
  batchBytes?: number;
  /** Chunks fetched ahead of the insert (default 4). */
  readAhead?: number;
  signal?: AbortSignal;
  /** After each finished batch; store `cursor` to resume from it. */
  onProgress?: (p: { ns: string; cursor: RestoreCursor; batches: number }) => void;
  logger?: Logger;
}

export interface RestoreCollectionOutcome {
  cursor: RestoreCursor;
  batches: number;
  /** Documents found already inserted after a resume. */
  duplicates: number;
  /** Time spent decoding raw BSON for the driver, and inserting (ms). */
  decodeMs: number;
  insertMs: number;
}

/**
 * Inserts the collection's documents (from `resume` on) into `targetNs`, which prepareTarget created.
 * @throws NotFound, ChecksumMismatch or WrongKey for a missing, damaged or undecryptable chunk (named)
 */
export async function restoreCollection(o: RestoreCollectionOptions): Promise<RestoreCollectionOutcome> {
  const batchDocs = o.batchDocs ?? DEFAULT_BATCH_DOCS;
  const batchBytes = o.batchBytes ?? DEFAULT_BATCH_BYTES;
  const out: RestoreCollectionOutcome = { cursor: { ...(o.resume ?? { docs: 0, bytes: 0 }) }, batches: 0, duplicates: 0, decodeMs: 0, insertMs: 0 };
  const coll = o.target.db(o.targetNs.db).collection(o.targetNs.coll);
  let tolerant = o.resume !== undefined;
  let batch: Buffer[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    o.signal?.throwIfAborted();
    const t0 = performance.now();
    // Field order kept byte for byte (a plain decode would move integer-like names such as "2023" first).
    const docs = batch.map(insertable);
    const t1 = performance.now();
    const duplicates = await insertBatch(coll, docs, tolerant);
    out.decodeMs += t1 - t0;
    out.insertMs += performance.now() - t1;
    out.duplicates += duplicates;
    tolerant &&= duplicates > 0;
    out.cursor = { docs: out.cursor.docs + batch.length, bytes: out.cursor.bytes + bytes };
    out.batches += 1;
    batch = [];
    bytes = 0;
    o.onProgress?.({ ns: o.collection.ns, cursor: { ...out.cursor }, batches: out.batches });
  };
  const splitter = new DocumentSplitter(o.collection.ns);
  const stream = chunkStream({ ...o, offset: out.cursor.bytes, readAhead: o.readAhead ?? 4 });
  for await (const plain of stream) {
    for (const doc of splitter.push(plain)) {
      batch.push(doc);
      bytes += doc.length;
      if (batch.length >= batchDocs || bytes >= batchBytes) await flush();
    }
    o.signal?.throwIfAborted();
  }
  splitter.end();
  await flush();
  return out;
}

/** One unordered insert; returns how many documents were already there (tolerated only when `tolerant`). */
async function insertBatch(coll: ReturnType<ReturnType<MongoClient['db']>['collection']>, docs: Document[], tolerant: boolean): Promise<number> {
  try {
    // forceServerObjectId: every document has its _id, and a Map (toWire) must not get a driver-made one.
    await coll.insertMany(docs, { ordered: false, bypassDocumentValidation: true, forceServerObjectId: true });
    return 0;
  } catch (err) {
    if (!tolerant || !(err instanceof MongoBulkWriteError)) throw err;
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    // Compared as numbers: under raw read options a server code arrives as a BSON Int32.
    if (errors.some((e) => Number(e.code) !== DUPLICATE_KEY)) throw err;
    return errors.length;
  }
}
