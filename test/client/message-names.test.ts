/**
 * The client and the activities name workflows, queries, signals and updates through the definitions in
 * src/workflows/messages.ts and the workflow functions, never as bare strings (issue 14): a renamed
 * handler or workflow then fails to compile instead of failing at run time. Reads the source text only.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const scanned = ['src/client', 'src/activities'];

/** A Temporal call whose first argument is a string literal, a Schedule action's type as a string, a list query naming a type. */
const BARE_NAME = [
  /\.(?:query|signal|start|execute|executeUpdate|startUpdate|signalWithStart|executeWithStart|executeChild|startChild)\s*(?:<[^>()]*>)?\(\s*['"`]/g,
  /\bworkflowType\s*:\s*['"`]/g,
  /WorkflowType\s*=\s*'(?!\$\{)/g,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line: text` of every bare name in `text`. */
function bareNames(file: string, text: string): string[] {
  return BARE_NAME.flatMap((re) =>
    [...text.matchAll(re)].map((m) => {
      const line = text.slice(0, m.index).split('\n').length;
      return `${file}:${line}: ${text.split('\n')[line - 1]!.trim()}`;
    }),
  );
}

describe('workflow and message names', () => {
  it('finds the bare names it looks for', () => {
    const bad = [
      `handle.query<SyncProgress>('progress')`,
      `handle.executeUpdate<R, [unknown]>(\n  'pauseApply', { args: [] })`,
      `client.workflow.start("follow", { taskQueue })`,
      'handle.signal(`snapshotTaken`, x)',
      `{ type: 'startWorkflow', workflowType: 'groom' }`,
      `list({ query: "WorkflowType = 'restore'" })`,
    ];
    for (const b of bad) assert.equal(bareNames('sample.ts', b).length, 1, b);
    const good = [
      `handle.query(syncProgressQuery)`,
      `client.workflow.start(follow, { taskQueue })`,
      `handle.executeUpdate(pauseApplyUpdate, { args: [{ by }] })`,
      `{ workflowType: groom }`,
      "list({ query: `WorkflowType = '${restore.name}'` })",
    ];
    for (const g of good) assert.deepEqual(bareNames('sample.ts', g), [], g);
  });

  it('src/client and src/activities use definitions and workflow functions, never strings', () => {
    const files = scanned.flatMap((d) => sources(join(root, d)));
    assert.ok(files.length > 10, `expected the client's and activities' sources under ${scanned.join(', ')}`);
    const found = files.flatMap((f) => bareNames(relative(root, f), readFileSync(f, 'utf8')));
    assert.deepEqual(found, [], `name these through src/workflows/messages.ts or the workflow function:\n${found.join('\n')}`);
  });
});
