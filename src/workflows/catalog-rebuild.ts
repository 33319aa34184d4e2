/**
 * `catalog/rebuild/<storeId>`: `headwater catalog rebuild`, run by a worker: the store's manifests become
 * the catalog's snapshot records again, in one long, heartbeating activity.
 */
import { RebuildCatalogInput } from '../contracts/catalog.js';
import type { RebuildReport } from '../snapshot/rebuild-catalog.js';
import { long } from './activity-options.js';

export async function catalogRebuild(input: RebuildCatalogInput): Promise<RebuildReport> {
  return long.rebuildCatalog(RebuildCatalogInput.parse(input));
}
