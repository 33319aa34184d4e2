/**
 * Bundles the workflow code the way the worker does. With --check (run by npm test) it fails when workflow
 * code imports something the Temporal sandbox cannot load; transitive imports only fail at bundle time.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: silent });
  if (process.argv.includes('--check')) {
    console.error(`workflow bundle ok (${Math.round(code.length / 1024)} KiB)`);
  }
}

const noop = () => {};
const silent = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: (m: string) => console.error(m),
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
