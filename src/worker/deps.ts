/**
 * Builds the dependencies the activities declare (src/activities/deps.ts) once from the configuration:
 * the connection registry (URIs stay here), the stores, the catalog and the logger. Activities receive
 * these; workflows never see them.
 */
import { pino, type Logger } from 'pino';
import { Catalog } from '../catalog/catalog.js';
import { ConnectionRegistry } from '../config/connections.js';
import type { HeadwaterConfig } from '../config/schema.js';
import { InvalidConfig } from '../errors/domain-errors.js';
import type { BlobStore } from '../store/blob-store.js';
import { createBlobStore } from '../store/create-blob-store.js';
import type { Deps } from '../activities/deps.js';
import { Metrics } from '../activities/metrics.js';

export function createDeps(
  config: HeadwaterConfig,
  logger: Logger = pino({ level: process.env.LOG_LEVEL ?? 'info' }),
): Deps {
  const connections = new ConnectionRegistry(config.connections);
  const catalog = new Catalog(connections.client(config.catalog.connection), config.catalog.database);
  const stores = new Map<string, BlobStore>();
  return {
    config,
    connections,
    catalog,
    logger,
    metrics: new Metrics(),
    store(id) {
      let s = stores.get(id);
      if (s === undefined) {
        const c = config.stores[id];
        if (c === undefined) {
          throw new InvalidConfig(
            `unknown store '${id}' (configured: ${Object.keys(config.stores).join(', ') || 'none'})`,
          );
        }
        s = createBlobStore(c, { connections });
        stores.set(id, s);
      }
      return s;
    },
    async close() {
      await Promise.allSettled([...stores.values()].map((s) => s.close()));
      await connections.close();
    },
  };
}
