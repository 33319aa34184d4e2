/**
 * When each phase of a finished initial sync began, read from its workflow history (the phase search
 * attribute is upserted on entering a phase), so phase durations are exact without polling the workflow.
 */
import type { Client } from '@temporalio/client';

export interface PhaseMark {
  phase: string;
  atMs: number;
}

export async function phaseMarks(client: Client, workflowId: string, key = 'HeadwaterPhase'): Promise<PhaseMark[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const marks: PhaseMark[] = [];
  for (const event of history.events ?? []) {
    const field = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[key];
    if (!field?.data || !event.eventTime) continue;
    const value = JSON.parse(Buffer.from(field.data).toString('utf8')) as unknown;
    const phase = Array.isArray(value) ? String(value[0]) : String(value);
    const seconds = Number(event.eventTime.seconds ?? 0);
    marks.push({ phase, atMs: seconds * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6) });
  }
  return marks;
}

/** Seconds from the start of phase `from` to the start of the phase after `through`; undefined if absent. */
export function phaseSpan(marks: readonly PhaseMark[], from: string, through: string): number | undefined {
  const start = marks.find((m) => m.phase === from);
  const lastIdx = marks.findIndex((m) => m.phase === through);
  const end = lastIdx >= 0 ? marks[lastIdx + 1] : undefined;
  return start && end ? (end.atMs - start.atMs) / 1000 : undefined;
}
