/**
 * Makes sure the store holds each chunk a snapshot lists, storing it (encoded) only if the store lacks it.
 * Several chunks are checked and written at once, so reading the head waits for the store only when
 * `concurrency` writes are already in flight: this is much of what keeps apply's pause short. After
 * `flush()` resolves, every chunk handed to `add` is durable in the store.
 */
import type { BlobStore } from '../store/blob-store.js';
import { chunkKey } from '../store/layout.js';
import { chunkIdFor, encodeChunk, type ChunkCodec } from './chunk-codec.js';
import type { ChunkRef } from './manifest.js';

export class ChunkWriter {
  /** Chunks this writer stored, and their encoded bytes. */
  newChunks = 0;
  newStoredBytes = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly seen = new Set<string>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly codec: ChunkCodec,
    private readonly concurrency: number,
  ) {}

  /** Distinct chunks handed to `add` so far. */
  get distinct(): number {
    return this.seen.size;
  }

  /** Names `plaintext` and queues it to be stored if missing; waits only while the queue is full. */
  async add(plaintext: Buffer): Promise<ChunkRef> {
    this.throwIfFailed();
    const id = chunkIdFor(plaintext, this.codec.key);
    if (!this.seen.has(id)) {
      this.seen.add(id);
      while (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
      this.throwIfFailed();
      const write: Promise<void> = this.ensure(id, plaintext)
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => this.inflight.delete(write));
      this.inflight.add(write);
    }
    return { id, bytes: plaintext.length };
  }

  /** Waits for every queued chunk; rethrows the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.inflight);
    this.throwIfFailed();
  }

  private async ensure(id: string, plaintext: Buffer): Promise<void> {
    const key = chunkKey(id);
    if (await this.store.has(key)) return;
    const blob = encodeChunk(plaintext, this.codec);
    const { created } = await this.store.put(key, blob);
    if (created) {
      this.newChunks += 1;
      this.newStoredBytes += blob.length;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
