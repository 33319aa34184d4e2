/**
 * How Headwater reads a source replica set. Every read that decides what a backup holds (T0, the copy,
 * the oplog tail) asks for `readConcern: majority`, so nothing a rollback could undo is captured: an
 * oplog entry becomes visible to the tail only once a majority of members has it (oplog entries carry
 * the visibility of the writes they record), and T0 is the newest majority-committed entry.
 *
 * Which member: a sync may name a read preference (mode and tag sets, MongoDB's own rules), recorded
 * with its plan and used by its plan, copy and capture alike. The default is the primary, whatever the
 * connection's own read preference: T0 and the copy must see the same point of the oplog, and two
 * secondaries can lag each other's majority view, so a copy read on a secondary behind T0 would miss
 * writes just before T0. Reading a secondary safely needs one pinned member (tags that match one) or
 * causally consistent reads after T0 (not built: the driver sends afterClusterTime only to servers
 * that advertise sessions, which the stand-in does not, so it could not be tested here).
 *
 * FerretDB (the test source) accepts both options and honours neither: it has one member and no
 * rollback. The tests check that every read sends them (command monitoring), not their effect.
 */
import { ReadPreference, type ReadConcernLike } from 'mongodb';
import { z } from 'zod';

export const READ_MODES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'] as const;

/** A member choice: MongoDB's read preference mode and tag sets (tried in order; `{}` matches any). */
export const SourceReadPreference = z
  .object({
    mode: z.enum(READ_MODES).default('primary'),
    tags: z.array(z.record(z.string(), z.string())).optional(),
  })
  .refine((p) => p.mode !== 'primary' || p.tags === undefined, 'tag sets need a mode other than primary');
export type SourceReadPreference = z.infer<typeof SourceReadPreference>;

export interface SourceReads {
  readConcern?: ReadConcernLike;
  readPreference?: ReadPreference;
}

/** The find options of a read that decides what the backup holds. */
export function sourceReads(pref?: SourceReadPreference): SourceReads {
  return {
    readConcern: { level: 'majority' },
    // Absent, the primary: never the connection's default (secondaryPreferred), which lets the driver
    // read T0 on one secondary and the copy on another that is behind it.
    readPreference: pref === undefined ? ReadPreference.primary : new ReadPreference(pref.mode, pref.tags),
  };
}
