/**
 * How long each phase of the initial sync lasted, read from the sync workflow's own history (each phase
 * change is an upsert of its HeadwaterPhase search attribute): exact, where polling the job's status
 * every half second misses a phase that lasts less than that (a --quick copy takes a moment).
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { workflowIds } from '../src/workflows/ids.js';

export interface PhaseTime { phase: string; ms: number }

type EventTime = { seconds?: unknown; nanos?: number | null } | null | undefined;
const msOf = (t: EventTime) => Number(String(t?.seconds ?? 0)) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Each phase the sync entered, in order, with the time until the next one ('complete' last, 0 ms). */
export async function syncPhaseTimes(temporal: Client, jobId: string, syncNumber: number): Promise<PhaseTime[]> {
  const history = await temporal.workflow.getHandle(workflowIds.initialSync(jobId, syncNumber)).fetchHistory();
  const entered: Array<{ phase: string; at: number }> = [];
  for (const e of history.events ?? []) {
    const field = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.HeadwaterPhase;
    if (field == null) continue;
    const v: unknown = defaultPayloadConverter.fromPayload(field);
    const phase = Array.isArray(v) ? String(v[0]) : String(v); // Keyword values may arrive as a list
    entered.push({ phase, at: msOf(e.eventTime) });
  }
  return entered.map((p, i) => ({ phase: p.phase, ms: (entered[i + 1]?.at ?? p.at) - p.at }));
}
