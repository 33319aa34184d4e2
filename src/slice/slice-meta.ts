/**
 * What a slice says about itself. The header travels inside the slice (so the catalog can be rebuilt from
 * storage alone); the meta adds what only exists once it is stored: codec, key id and checksums. An oplog
 * slice names `prevTs`, the entry just before its first, so a chain of slices proves the oplog has no hole.
 */
import { Timestamp } from 'mongodb';
import { z } from 'zod';
import { Compression } from '../codec/compression.js';
import { KeyId } from '../codec/keys.js';
import { JobId } from '../contracts/initial-sync.js';

/** Version of the slice layout (src/slice/slice-body.ts); readers refuse versions they do not know. */
export const SLICE_FORMAT_VERSION = 1;

const Ts = z.instanceof(Timestamp);
const Count = z.number().int().min(0);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const OplogSliceStream = z.object({
  kind: z.literal('oplog'),
  jobId: JobId,
  /**
   * The initial sync whose chain the slice belongs to: each sync captures its own chain from its T0, so
   * an old sync's follow and a resync never interleave. Absent on slices written before chains were per
   * sync (one chain per job).
   */
  syncNumber: z.number().int().min(1).optional(),
  /** The last entry captured before this stream's first slice (T0 for the first tail). */
  prevTs: Ts,
});
export const CollectionSliceStream = z.object({
  kind: z.literal('collection'),
  jobId: JobId,
  syncNumber: z.number().int().min(1),
  ns: z.string().min(3).includes('.'),
  /** The _id range of the collection this copy covers (0 when not split). */
  rangeIndex: Count.default(0),
});
/** Who writes a run of slices: the oplog tail of a job, or the copy of one range of one collection. */
export const SliceStream = z.discriminatedUnion('kind', [OplogSliceStream, CollectionSliceStream]);
export type SliceStream = z.input<typeof SliceStream>;

const Contents = {
  formatVersion: z.number().int().min(1),
  seq: Count,
  /** Documents in the slice, and the sum of their BSON sizes (before compression). */
  count: Count,
  bytes: Count,
};
const OplogSliceHeader = OplogSliceStream.extend({ ...Contents, firstTs: Ts, lastTs: Ts });
const CollectionSliceHeader = CollectionSliceStream.extend({ ...Contents, rangeIndex: Count });
export const SliceHeader = z.discriminatedUnion('kind', [OplogSliceHeader, CollectionSliceHeader]);
export type SliceHeader = z.infer<typeof SliceHeader>;

const Stored = {
  codec: Compression,
  /** Id of the key the slice is sealed with; absent when stored in clear. */
  keyId: KeyId.optional(),
  /** SHA-256 of the slice's plaintext (header and documents), checked on every read. */
  plainSha256: Sha256,
  /** SHA-256 and length of the stored bytes: what the catalog records and a store can verify. */
  sha256: Sha256,
  storedBytes: Count,
};
export const OplogSliceMeta = OplogSliceHeader.extend(Stored);
export const CollectionSliceMeta = CollectionSliceHeader.extend(Stored);
export const SliceMeta = z.discriminatedUnion('kind', [OplogSliceMeta, CollectionSliceMeta]);
export type SliceMeta = z.infer<typeof SliceMeta>;
export type OplogSliceMeta = z.infer<typeof OplogSliceMeta>;
export type CollectionSliceMeta = z.infer<typeof CollectionSliceMeta>;
