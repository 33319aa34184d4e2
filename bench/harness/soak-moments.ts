/**
 * Recorded moments and the restores that check them. A moment is taken with the mixed load paused (no
 * write in flight, every one acknowledged): its second S is the one the pause began in, the source's state
 * is recorded, and the load resumes only once the clock passed S + 1, so every entry of the recorded state
 * has ts <= S and every later write of the load has ts >= S + 1. A restore to the ISO second S must then
 * equal the recorded state, document for document. The bounds writer never pauses, so the same restore
 * also cuts its counters at S + 1 (bounds-writer.ts says exactly what it must hold).
 */
import type { MongoClient } from 'mongodb';
import type { HeadwaterClient } from '../../src/client/headwater-client.js';
import { isoSecond } from '../../src/restore/restore-time.js';
import { BOUNDS_COLL, checkBounds, type BoundsWriter } from './bounds-writer.js';
import { progress } from './report.js';
import { SOAK_KEY } from './soak-setup.js';
import type { SoakLoad } from './soak-load.js';
import { dbState, diffStates, type DbState } from './soak-state.js';

export interface Moment {
  second: number;
  state: DbState;
}

export interface RestoreCheck {
  second: number;
  restoreId: string;
  /** The database it restored into, on the head's server. */
  targetDb: string;
  verified: boolean;
  lost: number;
  duplicated: number;
  differing: string[];
  /** The first documents it lost (source collection, `_id` as canonical EJSON), for the trace. */
  lostIds: Array<{ coll: string; id: string }>;
  bounds: { kMin: number; kMax: number; k: number };
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records one moment; undefined when the source could not be read (a fault): the load resumes either way. */
export async function recordMoment(load: SoakLoad, source: MongoClient, db: string, compared: (coll: string) => boolean): Promise<Moment | undefined> {
  const release = await load.hold();
  try {
    const second = Math.floor(Date.now() / 1000);
    const state = await dbState(source, db, compared);
    await sleep(Math.max(0, (second + 1) * 1000 + 50 - Date.now()));
    return { second, state };
  } catch (err) {
    progress(`moment skipped (source unreadable: ${(err as Error).message})`);
    return undefined;
  } finally {
    release();
  }
}

/** Restores the job to a moment into a database of its own and compares it with the recorded state and the counters. */
export async function checkMoment(
  opts: { client: HeadwaterClient; head: MongoClient; jobId: string; db: string; bounds: BoundsWriter; compared: (coll: string) => boolean },
  m: Moment,
  n: number,
  duringRestore?: (restoreId: string) => Promise<void>,
): Promise<RestoreCheck> {
  const target = `r${n}_${opts.db}`;
  const want = opts.bounds.expectedAt(m.second);
  const check: RestoreCheck = { second: m.second, restoreId: '', targetDb: target, verified: false, lost: 0, duplicated: 0, differing: [], lostIds: [], bounds: { ...want, k: -1 } };
  try {
    const { restoreId } = await opts.client.startRestore({ from: { jobId: opts.jobId, toTime: isoSecond(m.second) }, target: 'target', renames: [`${opts.db}=${target}`], encryption: SOAK_KEY });
    check.restoreId = restoreId;
    await duringRestore?.(restoreId);
    await opts.client.restoreResult(restoreId);
    const diff = diffStates(m.state, await dbState(opts.head, target, opts.compared));
    const b = await checkBounds(opts.head.db(target).collection<{ _id: number }>(BOUNDS_COLL), want);
    Object.assign(check, { lost: diff.lost + b.lost, duplicated: diff.duplicated + b.duplicated, differing: diff.differing, lostIds: diff.lostIds, bounds: { ...want, k: b.k } });
    check.verified = check.lost === 0 && check.duplicated === 0 && diff.differing.length === 0;
  } catch (err) {
    check.error = (err as Error).message;
  }
  progress(`restore to ${isoSecond(m.second)}: ${check.verified ? 'verified' : `NOT verified ${JSON.stringify({ ...check, second: undefined, lostIds: undefined })}`}`);
  return check;
}
