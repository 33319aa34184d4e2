/**
 * Everything a demo run creates is named after its run id, so `--clean <runId>` (and Ctrl-C) can find and
 * remove all of it without a record: the job, its own task queue (no other worker takes its tasks), its
 * source databases, the restored databases, its catalog database and its temporary directory.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SAMPLE_DBS = ['shop', 'crm', 'events'] as const;

export function demoNames(runId: string) {
  const jobId = `demo-${runId}`;
  return {
    runId,
    jobId,
    taskQueue: `headwater-demo-${runId}`,
    sourcePrefix: `demo_${runId}_`,
    sourceDb: (name: string) => `demo_${runId}_${name}`,
    restoredDb: (name: string) => `demo_${runId}_${name}_restored`,
    catalogDb: `headwater_demo_${runId}`,
    dir: join(tmpdir(), `headwater-demo-${runId}`),
  };
}
export type DemoNames = ReturnType<typeof demoNames>;

/** A new run id: base-36 milliseconds, unique enough for one machine and short enough for database names. */
export const newRunId = () => Date.now().toString(36);

/** The dev server UI's page of a workflow. */
export function uiLink(workflowId: string, runId?: string): string {
  const port = process.env.HW_TEMPORAL_UI_PORT ?? '8233';
  const base = `http://127.0.0.1:${port}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
  return runId === undefined ? base : `${base}/${runId}/history`;
}
