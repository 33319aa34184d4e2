/**
 * Test-only damage: flips one byte of a stored object in place, behind the store's back, the way bit
 * rot or a bad disk would (the recorded size and SHA-256 are left as they were). Verify tests use it to
 * prove that damage is detected. One function per backend, and `corruptObject` to pick the right one.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { open } from 'node:fs/promises';
import { Binary } from 'mongodb';
import type { BlobStore } from '../../src/store/blob-store.js';
import { FsBlobStore } from '../../src/store/fs-blob-store.js';
import { MongoBlobStore } from '../../src/store/mongo-blob-store.js';
import { RetryingBlobStore } from '../../src/store/retrying-blob-store.js';
import { S3BlobStore } from '../../src/store/s3-blob-store.js';

function flip(bytes: Uint8Array, offset: number | undefined, key: string): number {
  if (bytes.length === 0) throw new Error(`cannot corrupt '${key}': it is empty`);
  const at = offset ?? Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  return at;
}

export async function corruptFsObject(store: FsBlobStore, key: string, offset?: number): Promise<void> {
  const file = await open(store.pathOf(key), 'r+');
  try {
    const { size } = await file.stat();
    const at = offset ?? Math.floor(size / 2);
    const byte = Buffer.alloc(1);
    if ((await file.read(byte, 0, 1, at)).bytesRead !== 1)
      throw new Error(`cannot corrupt '${key}': it is empty`);
    flip(byte, 0, key);
    await file.write(byte, 0, 1, at);
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function corruptS3Object(store: S3BlobStore, key: string, offset?: number): Promise<void> {
  const Bucket = store.bucket;
  const Key = store.objectKey(key);
  const got = await store.client.send(new GetObjectCommand({ Bucket, Key }));
  const bytes = await got.Body!.transformToByteArray();
  flip(bytes, offset, key);
  // Same metadata (the recorded sha256 included): only the bytes change, as with damage at rest.
  await store.client.send(new PutObjectCommand({ Bucket, Key, Body: bytes, Metadata: got.Metadata }));
}

export async function corruptMongoObject(store: MongoBlobStore, key: string, offset?: number): Promise<void> {
  const head = await store.heads.findOne({ _id: key });
  if (head === null) throw new Error(`cannot corrupt '${key}': not found`);
  if (head.upload === undefined) {
    const bytes = Uint8Array.from(head.data?.buffer.subarray(0, head.data.position) ?? []);
    flip(bytes, offset, key);
    await store.heads.updateOne({ _id: key }, { $set: { data: new Binary(bytes) } });
    return;
  }
  let at = offset ?? Math.floor(head.size / 2);
  for (const part of await store.parts
    .find({ _id: { $gte: `${head.upload}/`, $lt: `${head.upload}0` } })
    .sort({ _id: 1 })
    .toArray()) {
    const bytes = Uint8Array.from(part.data.buffer.subarray(0, part.data.position));
    if (at < bytes.length) {
      flip(bytes, at, key);
      await store.parts.updateOne({ _id: part._id }, { $set: { data: new Binary(bytes) } });
      return;
    }
    at -= bytes.length;
  }
  throw new Error(`cannot corrupt '${key}': offset beyond its end`);
}

/** Flips one byte (the middle one by default) of `key` in whichever backend `store` is. */
export async function corruptObject(store: BlobStore, key: string, offset?: number): Promise<void> {
  if (store instanceof RetryingBlobStore) return corruptObject(store.inner, key, offset);
  if (store instanceof FsBlobStore) return corruptFsObject(store, key, offset);
  if (store instanceof S3BlobStore) return corruptS3Object(store, key, offset);
  if (store instanceof MongoBlobStore) return corruptMongoObject(store, key, offset);
  throw new Error(`cannot corrupt objects of ${store.describe()}: unknown backend`);
}
