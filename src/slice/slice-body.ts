/**
 * The plaintext layout of a slice, inside the blob envelope:
 *
 *   magic "HWSL" | header (one BSON document) | documents (raw BSON, back to back) | SHA-256 of all before it
 *
 * Documents are copied in as they came from the server and handed back as views of the decoded bytes:
 * never decoded and re-encoded, so every BSON type and field order survives byte for byte. The trailing
 * hash is checked before anything else is trusted.
 */
import { createHash } from 'node:crypto';
import { BSON } from 'mongodb';
import { ChecksumMismatch } from '../errors/domain-errors.js';
import { SLICE_FORMAT_VERSION, SliceHeader } from './slice-meta.js';

const MAGIC = Buffer.from('HWSL', 'latin1');
const HASH_BYTES = 32;

export function encodeSliceBody(
  header: SliceHeader,
  docs: readonly Uint8Array[],
): { plain: Buffer; plainSha256: string } {
  const parts = [MAGIC, BSON.serialize(header), ...docs];
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  const digest = hash.digest();
  return { plain: Buffer.concat([...parts, digest]), plainSha256: digest.toString('hex') };
}

export interface SliceBody {
  header: SliceHeader;
  plainSha256: string;
  /** Where the documents start and end in the plaintext. */
  docsFrom: number;
  docsTo: number;
}

/** Checks the hash, the header and the document framing; throws ChecksumMismatch naming the slice. */
export function decodeSliceBody(plain: Buffer, name: string): SliceBody {
  const bad = (why: string, cause?: unknown) =>
    new ChecksumMismatch(`slice '${name}' failed verification: ${why}`, { cause });
  if (plain.length < MAGIC.length + 5 + HASH_BYTES || !plain.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw bad('not a slice (bad magic or too short)');
  }
  const docsTo = plain.length - HASH_BYTES;
  const digest = createHash('sha256').update(plain.subarray(0, docsTo)).digest();
  if (!digest.equals(plain.subarray(docsTo)))
    throw bad('the sha-256 of its plaintext does not match the one it was written with');
  const headerLength = plain.readInt32LE(MAGIC.length);
  if (headerLength < 5 || MAGIC.length + headerLength > docsTo)
    throw bad('its header length is out of bounds');
  const raw = readHeader(plain.subarray(MAGIC.length, MAGIC.length + headerLength), bad);
  const version = (raw as { formatVersion?: unknown }).formatVersion;
  if (version !== SLICE_FORMAT_VERSION)
    throw bad(
      `unsupported slice format version ${String(version)} (this build reads ${SLICE_FORMAT_VERSION})`,
    );
  const header = SliceHeader.safeParse(raw);
  if (!header.success) throw bad(`invalid header: ${header.error.issues[0]?.message}`);
  const body = {
    header: header.data,
    plainSha256: digest.toString('hex'),
    docsFrom: MAGIC.length + headerLength,
    docsTo,
  };
  let count = 0;
  for (const _doc of documentsOf(plain, body, name)) count += 1;
  if (count !== header.data.count || docsTo - body.docsFrom !== header.data.bytes) {
    throw bad(
      `it holds ${count} documents in ${docsTo - body.docsFrom} bytes, its header says ${header.data.count} in ${header.data.bytes}`,
    );
  }
  return body;
}

function readHeader(bytes: Buffer, bad: (why: string, cause?: unknown) => Error): unknown {
  try {
    return BSON.deserialize(bytes);
  } catch (cause) {
    throw bad('its header is not valid BSON', cause);
  }
}

/** The documents as views of `plain`, in order; each view is one whole BSON document. */
export function* documentsOf(
  plain: Buffer,
  body: Pick<SliceBody, 'docsFrom' | 'docsTo'>,
  name: string,
): Generator<Uint8Array> {
  for (let at = body.docsFrom; at < body.docsTo;) {
    const length = at + 4 <= body.docsTo ? plain.readInt32LE(at) : -1;
    if (length < 5 || at + length > body.docsTo || plain[at + length - 1] !== 0) {
      throw new ChecksumMismatch(
        `slice '${name}' failed verification: a document at offset ${at} is not valid BSON`,
      );
    }
    yield plain.subarray(at, at + length);
    at += length;
  }
}
