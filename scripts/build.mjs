// Prebuilds what the tests start over and over, into dist/ (gitignored, and outside lint):
//  - dist/cli.mjs: the CLI (src/client/cli/main.ts) and the project's modules it imports, as one ES module;
//    packages stay imports from node_modules, as under tsx. A test spawning it starts in about half the
//    time of `node --import tsx src/client/cli/main.ts`, which transpiles and resolves ~110 files each start.
//  - dist/workflows.js: the workflow bundle (Temporal's own bundler), which costs seconds of CPU each time
//    a worker is created from the sources.
// Usage: node scripts/build.mjs [cli] [workflows]   (both when none is named)
// Each output is written to a temporary file and renamed into place, so test files that build it at the
// same time (test/harness/build.ts, when it is older than the sources) never read a half-written one.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = {
  cli: join(root, 'dist/cli.mjs'),
  workflows: join(root, 'dist/workflows.js'),
};

async function buildCli(outfile) {
  const { build } = await import('esbuild');
  const tmp = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(root, 'src/client/cli/main.ts')],
    outfile: tmp,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The client starts workflows by function (its name is the workflow type): a bundler rename on a
    // clash of top-level names would send another type to Temporal.
    keepNames: true,
    logLevel: 'warning',
  });
  renameSync(tmp, outfile);
}

async function buildWorkflows(outfile) {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const noop = () => {};
  const logger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m) => console.error(m) };
  const { code } = await bundleWorkflowCode({ workflowsPath: join(root, 'src/workflows/index.ts'), logger });
  const tmp = `${outfile}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, outfile);
}

const builders = { cli: buildCli, workflows: buildWorkflows };
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in builders)) {
    console.error(`build: unknown output '${name}' (known: ${Object.keys(builders).join(', ')})`);
    process.exit(2);
  }
}
mkdirSync(join(root, 'dist'), { recursive: true });
for (const name of wanted.length > 0 ? wanted : Object.keys(builders)) {
  const started = Date.now();
  await builders[name](outputs[name]);
  console.error(`built ${outputs[name].slice(root.length + 1)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
