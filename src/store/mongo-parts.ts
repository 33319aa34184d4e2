/**
 * The part documents of large blockstore objects. Parts belong to an upload (a random id), not to a
 * key, so two writers of the same key never mix their parts; the head document that names the upload
 * is written after all its parts, which is what keeps a half-written object invisible.
 */
import { randomBytes } from 'node:crypto';
import { Binary, type Collection } from 'mongodb';
import { prefixUpperBound } from './blob-key.js';

export interface PartDoc {
  /** `<upload>/<n, six digits>`: one upload's parts are one `_id` range, in order. */
  _id: string;
  data: Binary;
  createdAt: Date;
}

export function newUploadId(): string {
  return randomBytes(12).toString('hex');
}

export function partId(upload: string, n: number): string {
  return `${upload}/${String(n).padStart(6, '0')}`;
}

/** Writes parts of one upload in order, numbering them from 0. */
export class PartWriter {
  count = 0;
  constructor(
    private readonly parts: Collection<PartDoc>,
    readonly upload: string,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    await this.parts.insertOne({
      _id: partId(this.upload, this.count),
      data: new Binary(bytes),
      createdAt: new Date(),
    });
    this.count += 1;
  }

  async writeAll(bytes: Uint8Array, partSize: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += partSize) await this.write(bytes.subarray(at, at + partSize));
  }
}

/**
 * Reads a stream; once it has outgrown one document (`inlineMax`), writes full parts as they fill.
 * Returns what is left: the whole object if no part was written, else the tail of the last part.
 */
export async function spillParts(
  source: AsyncIterable<Buffer>,
  writer: PartWriter,
  inlineMax: number,
  partSize: number,
): Promise<Buffer> {
  let pending: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of source) {
    pending.push(chunk);
    bytes += chunk.length;
    if (writer.count === 0 && bytes <= inlineMax) continue;
    while (bytes >= partSize) {
      const all = Buffer.concat(pending);
      await writer.write(all.subarray(0, partSize));
      pending = [all.subarray(partSize)];
      bytes -= partSize;
    }
  }
  return Buffer.concat(pending);
}

/** Removes every part of an upload (an aborted write, or the parts of an object that was replaced). */
export async function dropParts(parts: Collection<PartDoc>, upload: string): Promise<void> {
  const from = `${upload}/`;
  await parts.deleteMany({ _id: { $gte: from, $lt: prefixUpperBound(from)! } });
}

/** One part's bytes, or undefined if that part is gone (its object was replaced or deleted meanwhile). */
export async function readPart(
  parts: Collection<PartDoc>,
  upload: string,
  n: number,
): Promise<Buffer | undefined> {
  const doc = await parts.findOne({ _id: partId(upload, n) });
  if (doc === null) return undefined;
  const bytes = doc.data.buffer;
  return Buffer.from(bytes.buffer, bytes.byteOffset, doc.data.position);
}

/** All parts of an upload, concatenated; undefined if one is gone (the object was replaced meanwhile). */
export async function readParts(
  parts: Collection<PartDoc>,
  upload: string,
  count: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  for (let n = 0; n < count; n++) {
    const part = await readPart(parts, upload, n);
    if (part === undefined) return undefined;
    chunks.push(part);
  }
  return Buffer.concat(chunks);
}
