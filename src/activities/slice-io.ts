/**
 * Where slices meet storage: seals a batch of raw documents as a slice (src/slice), puts it in the job's
 * slice store with its SHA-256 checked by the store, then records it in the catalog. The catalog record is
 * written only after the object is durable, so a recorded slice always exists; a crash in between leaves
 * an unrecorded object that the retry overwrites with the same key.
 */
import type { SliceRecord } from '../catalog/slices.js';
import type { OplogSliceOut } from '../oplog/tail.js';
import { readSlice } from '../slice/read-slice.js';
import { SliceWriter, type SealedSlice } from '../slice/slice-writer.js';
import type { SliceStream } from '../slice/slice-meta.js';
import type { Deps } from '../worker/deps.js';

const MAX_SLICE_BYTES = 64 * 1024 * 1024;

export class SliceIo {
  constructor(private readonly deps: Deps) {}

  async writeCollectionSlice(
    p: { jobId: string; syncNumber: number; sliceStore: string; ns: string; rangeIndex: number },
    docs: Uint8Array[],
    seq: number,
  ): Promise<void> {
    const sealed = seal(
      { kind: 'collection', jobId: p.jobId, syncNumber: p.syncNumber, ns: p.ns, rangeIndex: p.rangeIndex },
      docs,
      seq,
    );
    await this.deps.store(p.sliceStore).put(sealed.key, sealed.bytes, { sha256: sealed.meta.sha256 });
    await this.deps.catalog.slices.record({
      ...common(sealed, p.jobId, p.sliceStore),
      stream: `sync-${p.syncNumber}`,
      ns: p.ns,
      rangeIndex: p.rangeIndex,
    });
  }

  async writeOplogSlice(p: { jobId: string; sliceStore: string }, s: OplogSliceOut): Promise<void> {
    const sealed = seal({ kind: 'oplog', jobId: p.jobId, prevTs: s.prevTs }, s.entries, 0);
    await this.deps.store(p.sliceStore).put(sealed.key, sealed.bytes, { sha256: sealed.meta.sha256 });
    await this.deps.catalog.slices.record({
      ...common(sealed, p.jobId, p.sliceStore),
      stream: 'oplog',
      firstTs: s.firstTs,
      // The running maximum, which the next slice's prevTs repeats (see oplog/tail.ts on ordering).
      lastTs: s.lastTs,
      prevTs: s.prevTs,
    });
  }

  /** The raw documents of a recorded slice, checked against the recorded checksum. */
  async read(rec: SliceRecord): Promise<Uint8Array[]> {
    const bytes = await this.deps.store(rec.store).get(rec._id);
    return readSlice(bytes, undefined, { name: rec._id, sha256: rec.sha256 }).documents;
  }
}

function seal(stream: SliceStream, docs: Uint8Array[], seq: number): SealedSlice {
  const writer = new SliceWriter({ stream, firstSeq: seq, maxBytes: MAX_SLICE_BYTES });
  for (const d of docs) {
    if (writer.add(d) !== undefined) throw new Error('a slice batch exceeded the maximum slice size');
  }
  const sealed = writer.close();
  if (sealed === undefined) throw new Error('refusing to write an empty slice');
  return sealed;
}

function common(sealed: SealedSlice, jobId: string, store: string): Omit<SliceRecord, 'stream'> {
  return {
    _id: sealed.key,
    jobId,
    seq: sealed.meta.seq,
    count: sealed.meta.count,
    bytes: sealed.meta.bytes,
    storedBytes: sealed.meta.storedBytes,
    sha256: sealed.meta.sha256,
    store,
    createdAt: new Date(),
  };
}
