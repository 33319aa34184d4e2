/**
 * AES-256-GCM sealing of a buffer. The header of the blob is authenticated as additional data, so a
 * changed algorithm id or key id fails the tag like a changed payload byte. Nonces are 12 random bytes per
 * blob: safe for far more blobs than one key will ever seal (NIST's bound is 2^32 per key).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { BlobKey } from './keys.js';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** Persisted ids of encryption algorithms; 2..255 reserved for future ones, never re-assigned. */
export const ENCRYPTION_IDS = { none: 0, 'aes-256-gcm': 1 } as const;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** Returns ciphertext followed by the 16-byte tag. */
export function seal(key: BlobKey, nonce: Uint8Array, plain: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key.secret(), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Inverse of `seal`. Throws (the cipher's error) when the tag does not match: wrong key or changed bytes. */
export function open(key: BlobKey, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('sealed payload shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key.secret(), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}
