/**
 * Compression as a buffer-to-buffer transform: zstd (default), gzip, or none. Each algorithm has a
 * persisted one-byte id in blob headers; ids are never reused or renumbered, and unassigned ids stay free
 * for future algorithms (as pgBackRest's compression enum), so old blobs always decode.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';

export const Compression = z.enum(['zstd', 'gzip', 'none']);
export type Compression = z.infer<typeof Compression>;

/** The persisted ids. 3..255 are reserved (e.g. lz4) and must be added here, never re-assigned. */
export const COMPRESSION_IDS: Readonly<Record<Compression, number>> = { none: 0, gzip: 1, zstd: 2 };

export function compressionFromId(id: number): Compression | undefined {
  return (Object.keys(COMPRESSION_IDS) as Compression[]).find((c) => COMPRESSION_IDS[c] === id);
}

/** Levels that trade little speed for ratio on BSON; callers may pass their own. */
const DEFAULT_LEVEL: Readonly<Record<Compression, number>> = { none: 0, gzip: 6, zstd: 3 };

export function compress(algorithm: Compression, plain: Uint8Array, level?: number): Buffer {
  const lvl = level ?? DEFAULT_LEVEL[algorithm];
  switch (algorithm) {
    case 'zstd':
      return zstdCompress(plain, { compressionLevel: lvl });
    case 'gzip':
      return gzipSync(plain, { level: lvl });
    case 'none':
      return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  }
}

/** Throws the library's error on malformed input; the envelope maps that to `ChecksumMismatch`. */
export function decompress(algorithm: Compression, packed: Uint8Array): Buffer {
  switch (algorithm) {
    case 'zstd':
      return zstdDecompress(packed);
    case 'gzip':
      return gunzipSync(packed);
    case 'none':
      return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  }
}
