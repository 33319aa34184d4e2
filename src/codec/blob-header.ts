/**
 * The self-describing header every stored blob (chunk, slice) starts with, so any blob can be decoded
 * from its bytes and a keyring alone:
 *
 *   magic "HWBL" | format version u8 | compression id u8 | encryption id u8 | key id length u8 | key id
 *   [encrypted: key fingerprint 8 bytes | nonce 12 bytes] | crc32 of the header so far, u32 LE | payload
 *
 * The CRC tells a damaged header (ChecksumMismatch) from a blob sealed with another key (WrongKey).
 * Unknown versions and ids are refused by name rather than guessed at.
 */
import { crc32 } from 'node:zlib';
import { ChecksumMismatch } from '../errors/domain-errors.js';
import { COMPRESSION_IDS, compressionFromId, type Compression } from './compression.js';
import { ENCRYPTION_IDS, NONCE_BYTES } from './encryption.js';

const MAGIC = Buffer.from('HWBL', 'latin1');
export const BLOB_FORMAT_VERSION = 1;
const FINGERPRINT_BYTES = 8;
const FIXED_BYTES = MAGIC.length + 4;
const CRC_BYTES = 4;

export interface BlobHeader {
  formatVersion: number;
  compression: Compression;
  /** Present when the payload is sealed with AES-256-GCM. */
  sealedWith?: { keyId: string; fingerprint: string; nonce: Buffer };
  /** Length of the header in bytes: the payload starts here, and these bytes are the GCM additional data. */
  length: number;
}

export function writeBlobHeader(compression: Compression, sealedWith?: BlobHeader['sealedWith']): Buffer {
  const keyId = Buffer.from(sealedWith?.keyId ?? '', 'latin1');
  const fixed = Buffer.from([
    BLOB_FORMAT_VERSION,
    COMPRESSION_IDS[compression],
    sealedWith ? ENCRYPTION_IDS['aes-256-gcm'] : ENCRYPTION_IDS.none,
    keyId.length,
  ]);
  const parts: Buffer[] = [MAGIC, fixed];
  if (sealedWith !== undefined)
    parts.push(keyId, Buffer.from(sealedWith.fingerprint, 'hex'), sealedWith.nonce);
  const crc = Buffer.alloc(CRC_BYTES);
  crc.writeUInt32LE(crc32(Buffer.concat(parts)));
  return Buffer.concat([...parts, crc]);
}

/** Reads and checks the header; bytes that are not a blob, or from a newer format, fail with ChecksumMismatch. */
export function readBlobHeader(bytes: Uint8Array, name: string): BlobHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (why: string) => new ChecksumMismatch(`unable to decode ${name}: ${why}`);
  if (buf.length < FIXED_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt('not a headwater blob (bad magic)');
  const [version, compressionId, encryptionId, keyIdLength] = [buf[4]!, buf[5]!, buf[6]!, buf[7]!];
  if (version !== BLOB_FORMAT_VERSION)
    throw corrupt(`unsupported blob format version ${version} (this build reads ${BLOB_FORMAT_VERSION})`);
  const sealed = encryptionId !== ENCRYPTION_IDS.none;
  const crcAt = sealed ? FIXED_BYTES + keyIdLength + FINGERPRINT_BYTES + NONCE_BYTES : FIXED_BYTES;
  if (buf.length < crcAt + CRC_BYTES) throw corrupt('truncated header');
  if (crc32(buf.subarray(0, crcAt)) !== buf.readUInt32LE(crcAt)) throw corrupt('header checksum mismatch');
  const compression = compressionFromId(compressionId);
  if (compression === undefined) throw corrupt(`unknown compression id ${compressionId}`);
  const length = crcAt + CRC_BYTES;
  if (!sealed) return { formatVersion: version, compression, length };
  if (encryptionId !== ENCRYPTION_IDS['aes-256-gcm']) throw corrupt(`unknown encryption id ${encryptionId}`);
  const at = FIXED_BYTES + keyIdLength;
  return {
    formatVersion: version,
    compression,
    sealedWith: {
      keyId: buf.toString('latin1', FIXED_BYTES, at),
      fingerprint: buf.toString('hex', at, at + FINGERPRINT_BYTES),
      nonce: Buffer.from(buf.subarray(at + FINGERPRINT_BYTES, crcAt)),
    },
    length,
  };
}
