/**
 * Turns a manifest and its store back into documents: a collection's chunks, concatenated in order, are
 * its documents' BSON in `_id` order, split again by each document's int32 length prefix. Every chunk is
 * checked against its id and its recorded size, so what comes out is what the snapshot read, byte for byte.
 */
import type { Keyring } from '../codec/keys.js';
import { ChecksumMismatch } from '../errors/domain-errors.js';
import type { BlobStore } from '../store/blob-store.js';
import { readChunk } from './chunk-codec.js';
import { parseManifest, type ChunkRef, type CollectionManifest, type Manifest } from './manifest.js';

/** Splits a byte stream into BSON documents; a document may span chunks. */
export class DocumentSplitter {
  private rest: Buffer = Buffer.alloc(0);

  constructor(private readonly ns: string) {}

  /** The whole documents completed by `bytes`, as views of one buffer. */
  push(bytes: Buffer): Buffer[] {
    const buf = this.rest.length === 0 ? bytes : Buffer.concat([this.rest, bytes]);
    const docs: Buffer[] = [];
    let at = 0;
    while (at + 4 <= buf.length) {
      const size = buf.readInt32LE(at);
      if (size < 5) throw new ChecksumMismatch(`snapshot of '${this.ns}' holds an invalid bson length ${size}`);
      if (at + size > buf.length) break;
      docs.push(buf.subarray(at, at + size));
      at += size;
    }
    this.rest = buf.subarray(at);
    return docs;
  }

  /** Ends the stream: bytes left over mean a truncated document. */
  end(): void {
    if (this.rest.length > 0) throw new ChecksumMismatch(`snapshot of '${this.ns}' ends inside a document (${this.rest.length} bytes left)`);
  }
}

/** The key id chunk ids were made with, for manifests of encrypted snapshots. */
export function idKeyOf(manifest: Manifest): string | undefined {
  return manifest.codec.chunkIds === 'hmac-sha256' ? manifest.codec.keyId : undefined;
}

/** Reads one chunk of a collection, checked against its id and recorded size. */
export async function readChunkRef(store: BlobStore, manifest: Manifest, ref: ChunkRef, keyring?: Keyring): Promise<Buffer> {
  const plain = await readChunk(store, ref.id, keyring, idKeyOf(manifest));
  if (plain.length !== ref.bytes) {
    throw new ChecksumMismatch(`chunk ${ref.id} holds ${plain.length} bytes, the manifest says ${ref.bytes}`, { details: { chunk: ref.id } });
  }
  return plain;
}

/** The documents of one collection of a snapshot, as raw BSON, in `_id` order. */
export async function* readCollectionDocuments(
  store: BlobStore,
  manifest: Manifest,
  collection: CollectionManifest,
  keyring?: Keyring,
): AsyncGenerator<Buffer> {
  const splitter = new DocumentSplitter(collection.ns);
  for (const ref of collection.chunks) yield* splitter.push(await readChunkRef(store, manifest, ref, keyring));
  splitter.end();
}

export async function readManifest(store: BlobStore, key: string): Promise<Manifest> {
  return parseManifest(await store.get(key), key);
}

/** Every collection of a snapshot, decoded into memory (for tests and small snapshots). */
export async function decodeSnapshot(store: BlobStore, manifest: Manifest, keyring?: Keyring): Promise<Map<string, Buffer[]>> {
  const out = new Map<string, Buffer[]>();
  for (const c of manifest.collections) {
    const docs: Buffer[] = [];
    for await (const doc of readCollectionDocuments(store, manifest, c, keyring)) docs.push(Buffer.from(doc));
    out.set(c.ns, docs);
  }
  return out;
}
