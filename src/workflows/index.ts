// The worker's workflowsPath: every workflow, re-exported.
export { follow } from './follow.js';
export { initialSync } from './initial-sync.js';
export { groom } from './groom.js';
export { snapshot } from './snapshot.js';
