/**
 * The filesystem blob store, the embedded default: one file per key under a root directory. Every write
 * is atomic and durable (temp file, fsync, rename, fsync the directory), and keys are checked so that
 * none can reach outside the root. A key cannot be both an object and a directory ('a' and 'a/b').
 */
import { constants as fsConstants } from 'node:fs';
import { open, readFile, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { InvalidConfig, NotFound } from '../errors/domain-errors.js';
import type {
  BlobEntry,
  BlobStore,
  BlobStoreCapabilities,
  PutOptions,
  PutResult,
  PutStreamResult,
} from './blob-store.js';
import { assertBlobKey, assertBlobPrefix } from './blob-key.js';
import { HashingStream, verifiedSha256 } from './digest.js';
import { writeFileAtomically } from './fs-atomic-write.js';
import { walkSorted } from './fs-walk.js';

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);
const isMissing = (err: unknown) => MISSING.has((err as NodeJS.ErrnoException).code ?? '');

export class FsBlobStore implements BlobStore {
  readonly root: string;
  readonly capabilities: BlobStoreCapabilities = {
    atomicPut: true,
    maxObjectBytes: Number.MAX_SAFE_INTEGER,
    multipart: false,
  };

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return `fs:${this.root}`;
  }

  /** The file that holds `key` (validated, so always inside the root). */
  pathOf(key: string): string {
    assertBlobKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<PutResult> {
    const path = this.pathOf(key);
    verifiedSha256(bytes, opts?.sha256, key, this.describe());
    if (await this.holds(path, bytes)) return { created: false };
    await this.conflictsAsInvalid(key, () => writeFileAtomically(path, (f) => f.writeFile(bytes)));
    return { created: true };
  }

  async putStream(key: string, stream: Readable, opts?: PutOptions): Promise<PutStreamResult> {
    const path = this.pathOf(key);
    const hashing = new HashingStream(opts?.sha256, key, this.describe());
    pipeline(stream, hashing, () => undefined); // a source error surfaces when `hashing` is read
    const copy = async (file: FileHandle) => {
      for await (const chunk of hashing as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length;) at += (await file.write(chunk, at)).bytesWritten;
      }
    };
    try {
      await this.conflictsAsInvalid(key, () => writeFileAtomically(path, copy));
    } catch (err) {
      stream.destroy();
      hashing.destroy();
      throw err;
    }
    return hashing.result();
  }

  async get(key: string): Promise<Buffer> {
    const path = this.pathOf(key);
    try {
      return await readFile(path);
    } catch (err) {
      throw isMissing(err) ? this.notFound(key, err) : err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      // Opening first turns a missing key into NotFound here, not into a stream error later.
      const file = await open(path, fsConstants.O_RDONLY);
      if (!(await file.stat()).isFile()) {
        await file.close();
        throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      }
      return file.createReadStream();
    } catch (err) {
      throw isMissing(err) ? this.notFound(key, err) : err;
    }
  }

  async has(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return (await stat(path)).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async *list(prefix: string): AsyncGenerator<BlobEntry> {
    assertBlobPrefix(prefix);
    const cut = prefix.lastIndexOf('/') + 1;
    const dirKey = prefix.slice(0, cut);
    yield* walkSorted(join(this.root, ...dirKey.split('/')), dirKey, prefix);
  }

  async delete(key: string): Promise<void> {
    // Empty directories are left behind on purpose: removing one could race a put that just made it.
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async close(): Promise<void> {}

  /** Whether the file at `path` already holds exactly `bytes`. */
  private async holds(path: string, bytes: Uint8Array): Promise<boolean> {
    try {
      const s = await stat(path);
      return s.isFile() && s.size === bytes.length && (await readFile(path)).equals(bytes);
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  private async conflictsAsInvalid(key: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR' && code !== 'EEXIST' && code !== 'EISDIR') throw err;
      throw new InvalidConfig(
        `cannot store '${key}' in ${this.describe()}: a prefix of the key is an object, or the key is a directory`,
        { cause: err, details: { key, store: this.describe() } },
      );
    }
  }

  private notFound(key: string, cause: unknown): NotFound {
    return new NotFound(`object '${key}' not found in ${this.describe()}`, {
      cause,
      details: { key, store: this.describe() },
    });
  }
}
