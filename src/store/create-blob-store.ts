/**
 * The one place a store configuration becomes a store (PBM's StorageFromConfig). The switch is
 * exhaustive over the config's discriminated union, so a new backend cannot be configured without
 * being built here. Every store comes wrapped in the retrying decorator.
 */
import type { ConnectionRegistry } from '../config/connections.js';
import type { StoreConfig } from '../config/schema.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { MongoBlobStore } from './mongo-blob-store.js';
import { RetryingBlobStore, type RetryPolicy } from './retrying-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

export interface BlobStoreDeps {
  connections: ConnectionRegistry;
  /** Environment for S3 credentials named in the config (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Retry policy of the decorator every store is wrapped in. */
  retry?: RetryPolicy;
}

/** The bare backend for `config`, without retries. */
export function createBackend(config: StoreConfig, deps: BlobStoreDeps): BlobStore {
  switch (config.type) {
    case 'fs':
      return new FsBlobStore(config.path);
    case 's3':
      return S3BlobStore.fromConfig(config, deps.env);
    case 'mongo':
      return new MongoBlobStore(deps.connections.client(config.connection), config.database, {
        label: config.connection,
      });
    default: {
      const unknown: never = config;
      throw new Error(`unknown store type in ${JSON.stringify(unknown)}`);
    }
  }
}

/** The store for `config`, retrying transient failures. */
export function createBlobStore(config: StoreConfig, deps: BlobStoreDeps): BlobStore {
  return new RetryingBlobStore(createBackend(config, deps), deps.retry);
}
