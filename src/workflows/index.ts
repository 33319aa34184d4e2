// The worker's workflowsPath: every workflow, re-exported.
export { backupJob } from './backup-job.js';
export { jobDefinitionCheck } from './job-check.js';
export { jobVerify } from './job-verify.js';
export { follow } from './follow.js';
export { initialSync } from './initial-sync.js';
export { groom } from './groom.js';
export { snapshot } from './snapshot.js';
export { scheduledSnapshot } from './scheduled-snapshot.js';
export { restore } from './restore.js';
export { restoreWindowLookup } from './restore-window.js';
export { statusFigures } from './status-figures.js';
export { snapshotList } from './snapshot-list.js';
export { snapshotVerify } from './snapshot-verify.js';
export { catalogRebuild } from './catalog-rebuild.js';
export { snapshotExport } from './snapshot-export.js';
