/**
 * Where slices meet storage: seals a batch of raw documents as a slice, puts it in a slice store with its
 * SHA-256 checked by the store, then records it in the catalog. Invariant: a catalog record is written
 * only after its object is durable, so a recorded slice always exists (a crash in between leaves an
 * unrecorded object that the retry overwrites under the same key); every read is checked against the
 * checksum the record holds. A slice is sealed (AES-256-GCM, as snapshot chunks) when its writer names a
 * key id; reads find the key by the id its envelope records (src/slice/slice-keys.ts).
 */
import type { SliceCatalog, SliceRecord } from '../catalog/slices.js';
import type { Keyring } from '../codec/keys.js';
import { SliceChainMoved } from '../errors/domain-errors.js';
import type { OplogSliceOut } from '../oplog/tail.js';
import type { BlobStore } from '../store/blob-store.js';
import { readSlice } from './read-slice.js';
import { EnvKeyring, keyForSlices } from './slice-keys.js';
import type { SliceStream } from './slice-meta.js';
import { SliceWriter, type SealedSlice } from './slice-writer.js';

const MAX_SLICE_BYTES = 64 * 1024 * 1024;

/** Which collection range a batch of copied documents belongs to. */
export interface CollectionSliceRef {
  jobId: string;
  syncNumber: number;
  sliceStore: string;
  ns: string;
  rangeIndex: number;
  /** Seal with this key (found by id, src/slice/slice-keys.ts); in clear when absent. */
  keyId?: string;
}

/** Where a captured oplog slice goes: the job's chain of sync `syncNumber`, sealed with `keyId` if given. */
export interface OplogSliceRef {
  jobId: string;
  sliceStore: string;
  /** Absent only for slices of the job-wide chain written before chains were per sync (old fixtures). */
  syncNumber?: number;
  keyId?: string;
}

export class SliceStore {
  /**
   * @param storeOf resolves a store id (from the configuration) to its BlobStore
   * @param catalog the slice records
   * @param keyring the keys sealed slices are read with (by default, each from HEADWATER_KEY_<ID>)
   */
  constructor(
    private readonly storeOf: (id: string) => BlobStore,
    private readonly catalog: SliceCatalog,
    private readonly keyring: Keyring = new EnvKeyring(),
  ) {}

  /** Stores one sealed batch of an initial sync's copy (sequence `seq` of its range), then records it. */
  async writeCollectionSlice(p: CollectionSliceRef, docs: Uint8Array[], seq: number): Promise<void> {
    const stream = { kind: 'collection' as const, jobId: p.jobId, syncNumber: p.syncNumber, ns: p.ns, rangeIndex: p.rangeIndex };
    const sealed = seal(stream, docs, seq, p.keyId);
    await this.storeOf(p.sliceStore).put(sealed.key, sealed.bytes, { sha256: sealed.meta.sha256 });
    await this.catalog.record({
      ...common(sealed, p.jobId, p.sliceStore),
      stream: `sync-${p.syncNumber}`,
      ns: p.ns,
      rangeIndex: p.rangeIndex,
    });
  }

  /**
   * Stores one captured oplog slice, then records it with its timestamp range and chain link.
   * @throws SliceChainMoved when another capture attempt already extended the chain from `s.prevTs`
   */
  async writeOplogSlice(p: OplogSliceRef, s: OplogSliceOut): Promise<void> {
    const stream = { kind: 'oplog' as const, jobId: p.jobId, syncNumber: p.syncNumber, prevTs: s.prevTs };
    const sealed = seal(stream, s.entries, 0, p.keyId);
    await this.storeOf(p.sliceStore).put(sealed.key, sealed.bytes, { sha256: sealed.meta.sha256 });
    // Claims the slice's place in its chain before recording it (SliceCatalog.recordInChain).
    await this.catalog.recordInChain(oplogRecord(sealed, p, s)).catch(async (err: unknown) => {
      // The refused slice's object is nobody's: remove it, unless a record of that key exists after all.
      if (err instanceof SliceChainMoved && !(await this.catalog.has(sealed.key)))
        await this.storeOf(p.sliceStore).delete(sealed.key).catch(() => undefined);
      throw err;
    });
  }

  /**
   * The raw documents of a recorded slice, checked against the recorded checksum.
   * @throws NotFound when the object is gone, ChecksumMismatch when it changed (the message names the slice)
   */
  async read(rec: SliceRecord): Promise<Uint8Array[]> {
    const bytes = await this.storeOf(rec.store).get(rec._id);
    return readSlice(bytes, this.keyring, { name: rec._id, sha256: rec.sha256 }).documents;
  }
}

function seal(stream: SliceStream, docs: Uint8Array[], seq: number, keyId?: string): SealedSlice {
  const key = keyId === undefined ? undefined : keyForSlices(keyId);
  const writer = new SliceWriter({ stream, firstSeq: seq, maxBytes: MAX_SLICE_BYTES, key });
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

function oplogRecord(sealed: SealedSlice, p: OplogSliceRef, s: OplogSliceOut): SliceRecord {
  return {
      ...common(sealed, p.jobId, p.sliceStore),
      stream: 'oplog',
      ...(p.syncNumber === undefined ? {} : { syncNumber: p.syncNumber }),
      firstTs: s.firstTs,
      // The running maximum, which the next slice's prevTs repeats (see oplog/tail.ts on ordering).
      lastTs: s.lastTs,
      prevTs: s.prevTs,
  };
}
