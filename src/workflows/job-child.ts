/**
 * A job's children (its initial syncs and its follow) carry the job's HeadwaterState while they run, so
 * `HeadwaterState='Active'` finds a job's live work. A closed child keeps its search attributes for as
 * long as Temporal keeps it, so one that ended would still match the state its job has since left (a
 * stopped job's cancelled follow listed as Active): a child drops the state when it ends, and keeps its
 * job id and last phase. A continue-as-new is not an end: the next run carries on with the state.
 */
import { ContinueAsNew, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { StateKey } from './search-attributes.js';

/** Runs a child's whole body and drops HeadwaterState when it completes, fails or is cancelled. */
export async function asJobChild<T>(body: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await body();
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) dropJobState();
    throw err;
  }
  dropJobState();
  return result;
}

function dropJobState(): void {
  // Only a job's child has the state (a sync or follow started by hand has none, and needs no marker).
  if (workflowInfo().typedSearchAttributes.get(StateKey) === undefined) return;
  // patched(): a child that ended under an older worker replays its end without this command.
  if (!patched('job-child-drops-state')) return;
  upsertSearchAttributes([{ key: StateKey, value: null }]);
}
