/**
 * The prebuilt CLI and workflow bundle (scripts/build.mjs, into dist/) that tests start instead of the
 * sources: a CLI process under tsx spent seconds transpiling ~110 files on every start, and every worker
 * created from the sources ran Temporal's bundler again. A file older than anything under src/ (or the
 * lock file) is rebuilt before use, so a test never runs code other than the tree's; scripts/build.mjs
 * renames each output into place, so test files that rebuild it at once never read a half-written one.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outputs = { cli: join(root, 'dist/cli.mjs'), workflows: join(root, 'dist/workflows.js') };
type Output = keyof typeof outputs;

/** The newest modification time of the files the outputs are built from, in ms. */
function newestSource(): number {
  let newest = statSync(join(root, 'package-lock.json')).mtimeMs;
  for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const checked = new Set<Output>();

/** The output's path, built first when it is missing or older than the sources (checked once a process). */
export function built(output: Output): string {
  const path = outputs[output];
  if (checked.has(output)) return path;
  const mtime = (() => {
    try {
      return statSync(path).mtimeMs;
    } catch {
      return -1;
    }
  })();
  if (mtime < newestSource()) {
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), output], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node scripts/build.mjs ${output} failed (${r.status}):\n${r.stderr}`);
  }
  checked.add(output);
  return path;
}

/** `spawn(...cliCommand('job', 'list'))`: node and the prebuilt CLI, then the arguments. */
export function cliCommand(...args: string[]): [string, string[]] {
  return [process.execPath, [built('cli'), ...args]];
}

/** The prebuilt bundle of src/workflows, as Worker.create's `workflowBundle` takes it. */
export function prebuiltWorkflows(): { code: string } {
  return { code: readFileSync(built('workflows'), 'utf8') };
}
