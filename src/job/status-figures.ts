/**
 * What `headwater status` shows of each job from the catalog: the point-in-time window (the restore's own
 * computation) and the bytes its snapshots and slices hold. Read in a worker, which alone reaches the
 * catalog. Each part can fail on its own: the error is named in the job's figures, never thrown, so one
 * unreadable job or part leaves the rest of the screen.
 */
import type { Catalog } from '../catalog/catalog.js';
import { NotFound } from '../errors/domain-errors.js';
import { restoreWindow, windowSummary } from '../restore/restore-window.js';

export interface StoreUsage {
  snapshots: number;
  snapshotStoredBytes: number;
  dataBytes: number;
  slices: number;
  sliceStoredBytes: number;
}

export interface JobFigures {
  jobId: string;
  /** Restorable whole seconds (one range per unbroken slice chain); [] before the first snapshot. */
  window?: Array<{ firstSecond: string; lastSecond: string }>;
  store?: StoreUsage;
  /** What could not be read, as `window: <message>` or `store usage: <message>`. */
  errors: string[];
}

export async function statusFigures(catalog: Catalog, jobIds: string[]): Promise<JobFigures[]> {
  return Promise.all(
    jobIds.map(async (jobId) => {
      const [window, store] = await Promise.allSettled([jobWindow(catalog, jobId), storeUsage(catalog, jobId)]);
      const out: JobFigures = { jobId, errors: [] };
      if (window.status === 'fulfilled') out.window = window.value;
      else out.errors.push(`window: ${oneLine(window.reason)}`);
      if (store.status === 'fulfilled') out.store = store.value;
      else out.errors.push(`store usage: ${oneLine(store.reason)}`);
      return out;
    }),
  );
}

/** The restorable seconds; a job without a snapshot has none yet (not an error). */
async function jobWindow(catalog: Catalog, jobId: string): Promise<JobFigures['window']> {
  try {
    return windowSummary(await restoreWindow(catalog, jobId)).ranges.map((r) => ({ firstSecond: r.firstSecond, lastSecond: r.lastSecond }));
  } catch (err) {
    if (err instanceof NotFound) return [];
    throw err;
  }
}

/**
 * Bytes the job holds in its stores. Snapshot bytes are the new chunk bytes each retained snapshot added:
 * chunks first stored by a snapshot that was groomed since are not counted, so this is a lower bound.
 */
async function storeUsage(catalog: Catalog, jobId: string): Promise<StoreUsage> {
  const [snapshots, slices] = await Promise.all([catalog.snapshots.list(jobId), catalog.slices.usage(jobId)]);
  return {
    snapshots: snapshots.length,
    snapshotStoredBytes: snapshots.reduce((n, s) => n + s.newStoredBytes, 0),
    dataBytes: snapshots.at(-1)?.bytes ?? 0,
    slices: slices.slices,
    sliceStoredBytes: slices.storedBytes,
  };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
