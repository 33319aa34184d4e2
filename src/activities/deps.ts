/**
 * What activities need from the process that runs them: the connection registry (URIs stay behind it),
 * the stores, the catalog, the logger and the metrics. Declared here, beside the activities, so they do
 * not import the worker; src/worker/deps.ts builds it from the configuration, and the CLI and tests
 * build the same set through it.
 */
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { ConnectionRegistry } from '../config/connections.js';
import type { HeadwaterConfig } from '../config/schema.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Metrics } from './metrics.js';

export interface Deps {
  config: HeadwaterConfig;
  connections: ConnectionRegistry;
  catalog: Catalog;
  store(id: string): BlobStore;
  logger: Logger;
  metrics: Metrics;
  close(): Promise<void>;
}
