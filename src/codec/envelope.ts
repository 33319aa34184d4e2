/**
 * The blob envelope: compress, then optionally seal with AES-256-GCM, behind a self-describing header
 * (src/codec/blob-header.ts). Integrity contract: an encrypted blob is authenticated end to end (header
 * included), so any changed byte fails with ChecksumMismatch. An unencrypted blob carries no checksum of
 * its own: the caller must compare SHA-256 of the decoded plaintext with the id or checksum it stored the
 * blob under (chunk ids are that hash; slices carry one), because a changed byte may decode without error.
 */
import { ChecksumMismatch, WrongKey } from '../errors/domain-errors.js';
import { readBlobHeader, writeBlobHeader, type BlobHeader } from './blob-header.js';
import { compress, decompress, type Compression } from './compression.js';
import { newNonce, open, seal } from './encryption.js';
import type { BlobKey, Keyring } from './keys.js';

export interface EncodeOptions {
  compression: Compression;
  /** Compression level; the algorithm's default when absent. */
  level?: number;
  /** Seal with this key; the blob is stored in clear when absent. */
  key?: BlobKey;
}

export function encodeBlob(plain: Uint8Array, opts: EncodeOptions): Buffer {
  const packed = compress(opts.compression, plain, opts.level);
  if (opts.key === undefined) return Buffer.concat([writeBlobHeader(opts.compression), packed]);
  const sealedWith = { keyId: opts.key.id, fingerprint: opts.key.fingerprint, nonce: newNonce() };
  const header = writeBlobHeader(opts.compression, sealedWith);
  return Buffer.concat([header, seal(opts.key, sealedWith.nonce, packed, header)]);
}

/**
 * Decodes a blob. `name` (e.g. the store key) is used in error messages. Throws WrongKey when the blob is
 * sealed with a key the keyring lacks or holds under its id with different bytes, and ChecksumMismatch when
 * the bytes are not a valid blob or fail authentication.
 */
export function decodeBlob(bytes: Uint8Array, keyring?: Keyring, name = 'blob'): Buffer {
  const header = readBlobHeader(bytes, name);
  let packed = bytes.subarray(header.length);
  if (header.sealedWith !== undefined) {
    const key = keyFor(header.sealedWith, keyring, name);
    try {
      packed = open(key, header.sealedWith.nonce, packed, bytes.subarray(0, header.length));
    } catch (cause) {
      throw new ChecksumMismatch(
        `unable to decode ${name}: authentication failed with key '${key.id}', the blob was changed`,
        { cause },
      );
    }
  }
  try {
    return decompress(header.compression, packed);
  } catch (cause) {
    throw new ChecksumMismatch(`unable to decode ${name}: its ${header.compression} payload is corrupt`, {
      cause,
    });
  }
}

function keyFor(
  sealedWith: NonNullable<BlobHeader['sealedWith']>,
  keyring: Keyring | undefined,
  name: string,
): BlobKey {
  const { keyId, fingerprint } = sealedWith;
  const key = keyring?.get(keyId);
  const details = { keyId, fingerprint };
  if (key === undefined) {
    const held =
      keyring === undefined || keyring.ids().length === 0
        ? 'no keys are configured'
        : `the keyring holds ${keyring
            .ids()
            .map((k) => `'${k}'`)
            .join(', ')}`;
    throw new WrongKey(
      `unable to decode ${name}: it is encrypted with key '${keyId}' (fingerprint ${fingerprint}) and ${held}`,
      { details },
    );
  }
  if (key.fingerprint !== fingerprint) {
    throw new WrongKey(
      `unable to decode ${name}: it is encrypted with key '${keyId}' (fingerprint ${fingerprint}), but the key configured as '${keyId}' has fingerprint ${key.fingerprint}`,
      { details },
    );
  }
  return key;
}

/** The header of a blob, without decoding it (to report its codec or key id). */
export function inspectBlob(bytes: Uint8Array, name = 'blob'): BlobHeader {
  return readBlobHeader(bytes, name);
}
