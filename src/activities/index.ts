// Every activity, built over the worker's dependencies; workflows proxy ReturnType<typeof createActivities>.
import type { Deps } from './deps.js';
import { createCaptureActivities } from './capture.js';
import { createCatalogActivities } from './catalog.js';
import { createGroomActivities } from './groom.js';
import { createJobActivities } from './job.js';
import { createRestoreActivities } from './restore.js';
import { createSnapshotActivities } from './snapshot.js';
import { createInitialSyncActivities } from './initial-sync.js';

export function createActivities(deps: Deps) {
  return {
    ...createInitialSyncActivities(deps),
    ...createCaptureActivities(deps),
    ...createSnapshotActivities(deps),
    ...createGroomActivities(deps),
    ...createJobActivities(deps),
    ...createRestoreActivities(deps),
    ...createCatalogActivities(deps),
  };
}
