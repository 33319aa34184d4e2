/**
 * Reads a stored slice back: decodes the envelope (decrypting with the keyring), verifies the SHA-256 of
 * the plaintext and the framing of every document before returning anything, and hands the documents out
 * as views of the decoded bytes, byte for byte as they were written. Every failure names the slice.
 */
import { createHash } from 'node:crypto';
import { decodeBlob, inspectBlob } from '../codec/envelope.js';
import type { Keyring } from '../codec/keys.js';
import { ChecksumMismatch } from '../errors/domain-errors.js';
import { decodeSliceBody, documentsOf } from './slice-body.js';
import { sliceKey } from './slice-key.js';
import type { SliceMeta } from './slice-meta.js';

export interface ReadSliceOptions {
  /** How to name the slice in errors, e.g. its store key. */
  name?: string;
  /** The SHA-256 of the stored bytes recorded at write time (catalog `sha256`); checked first when given. */
  sha256?: string;
}

export interface OpenedSlice {
  meta: SliceMeta;
  /**
   * The documents in order, as views of the decoded plaintext (no copy per document). They stay valid as
   * long as the caller holds them; a slice stored uncompressed and in clear yields views of `bytes` itself.
   */
  documents(): Generator<Uint8Array>;
}

/** Verifies a slice and gives access to its documents without copying them. Throws ChecksumMismatch or WrongKey. */
export function openSlice(bytes: Uint8Array, keyring?: Keyring, opts: ReadSliceOptions = {}): OpenedSlice {
  const name = opts.name ?? 'slice';
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (opts.sha256 !== undefined && opts.sha256 !== sha256) {
    throw new ChecksumMismatch(
      `slice '${name}' failed verification: its stored bytes hash to ${sha256}, ${opts.sha256} was recorded`,
    );
  }
  const plain = decodeBlob(bytes, keyring, `slice '${name}'`);
  const body = decodeSliceBody(plain, name);
  const blob = inspectBlob(bytes, name);
  const keyId = blob.sealedWith === undefined ? {} : { keyId: blob.sealedWith.keyId };
  const meta: SliceMeta = {
    ...body.header,
    codec: blob.compression,
    ...keyId,
    plainSha256: body.plainSha256,
    sha256,
    storedBytes: bytes.length,
  };
  return { meta, documents: () => documentsOf(plain, body, opts.name ?? sliceKey(meta)) };
}

/** Verifies a slice and returns its metadata and documents. */
export function readSlice(
  bytes: Uint8Array,
  keyring?: Keyring,
  opts: ReadSliceOptions = {},
): { meta: SliceMeta; documents: Uint8Array[] } {
  const slice = openSlice(bytes, keyring, opts);
  return { meta: slice.meta, documents: [...slice.documents()] };
}
