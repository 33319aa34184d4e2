/**
 * Encryption keys: 32-byte AES-256 keys read from an environment variable or a key file (base64 or hex
 * text, or 32 raw bytes), each with a key id recorded in every blob it seals and a fingerprint that tells
 * two keys apart under the same id. The key bytes never leave this object: JSON and inspection show only
 * the id and fingerprint, so a key cannot reach a log or a workflow payload by accident.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import { InvalidConfig } from '../errors/domain-errors.js';

const KEY_BYTES = 32;

/** Key ids are short printable names: they appear in blob headers and error messages. */
export const KeyId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id is 1-64 letters, digits, dots, dashes or underscores');

/** Where a key comes from: exactly one of an environment variable or a file; `id` defaults to the fingerprint. */
export const KeySource = z
  .object({ id: KeyId.optional(), env: z.string().min(1).optional(), file: z.string().min(1).optional() })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'give exactly one of env or file');
export type KeySource = z.infer<typeof KeySource>;

export class BlobKey {
  /** The name recorded in blobs; a configured name or, by default, the fingerprint. */
  readonly id: string;
  /** First 16 hex digits of SHA-256 of the key: not secret, identifies the key itself. */
  readonly fingerprint: string;
  readonly #key: Buffer;

  constructor(key: Uint8Array, id?: string) {
    if (key.length !== KEY_BYTES)
      throw new InvalidConfig(`an encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.fingerprint = createHash('sha256').update(this.#key).digest('hex').slice(0, 16);
    if (id !== undefined && !KeyId.safeParse(id).success)
      throw new InvalidConfig(`invalid encryption key id '${id}'`);
    this.id = id ?? this.fingerprint;
  }

  /** The raw key, for the cipher only. */
  secret(): Buffer {
    return this.#key;
  }

  toJSON(): { id: string; fingerprint: string } {
    return { id: this.id, fingerprint: this.fingerprint };
  }

  [inspect.custom](): string {
    return `BlobKey { id: '${this.id}', fingerprint: '${this.fingerprint}' }`;
  }
}

/** Decodes key text: 64 hex digits, or base64 of 32 bytes. Whitespace around it is ignored. */
export function parseKeyText(text: string, where: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const bytes = Buffer.from(t, 'base64'); // node's decoder also takes the url-safe alphabet
    if (bytes.length === KEY_BYTES) return bytes;
  }
  throw new InvalidConfig(
    `the encryption key in ${where} is not ${KEY_BYTES} bytes as 64 hex digits or base64`,
  );
}

/** Reads a key from its source. The error names the variable or file, never the key. */
export function loadKey(source: KeySource, env: NodeJS.ProcessEnv = process.env): BlobKey {
  const parsed = KeySource.safeParse(source);
  if (!parsed.success)
    throw new InvalidConfig(`invalid encryption key source: ${parsed.error.issues[0]?.message}`);
  const s = parsed.data;
  if (s.env !== undefined) {
    const text = env[s.env];
    if (text === undefined || text === '')
      throw new InvalidConfig(`the encryption key variable ${s.env} is not set`);
    return new BlobKey(parseKeyText(text, `environment variable ${s.env}`), s.id);
  }
  const file = s.file!;
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (cause) {
    throw new InvalidConfig(`unable to read encryption key file '${file}'`, { cause });
  }
  const bytes = raw.length === KEY_BYTES ? raw : parseKeyText(raw.toString('utf8'), `key file '${file}'`);
  return new BlobKey(bytes, s.id);
}

/** The keys a reader may decrypt with, by id. Old keys stay here after a rotation so old blobs still decode. */
export class Keyring {
  readonly #keys = new Map<string, BlobKey>();

  constructor(keys: Iterable<BlobKey> = []) {
    for (const k of keys) {
      if (this.#keys.has(k.id)) throw new InvalidConfig(`two encryption keys share the id '${k.id}'`);
      this.#keys.set(k.id, k);
    }
  }

  get(id: string): BlobKey | undefined {
    return this.#keys.get(id);
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }
}
