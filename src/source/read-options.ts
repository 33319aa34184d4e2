/**
 * How Headwater reads a source replica set. Every read that decides what a backup holds (T0, the copy,
 * the oplog tail) asks for `readConcern: majority`, so nothing a rollback could undo is captured: an
 * oplog entry becomes visible to the tail only once a majority of members has it (oplog entries carry
 * the visibility of the writes they record), and T0 is the newest majority-committed entry.
 *
 * Which member: a sync reads one member, chosen when it starts by its read preference (mode and tag sets,
 * MongoDB's own server selection; `secondaryPreferred` unless the job names another, sparing the primary
 * as Ops Manager and PBM do) and recorded with its plan. Its T0, copy and capture then read that member
 * alone through a direct connection (config/connections.ts `onMember`): two secondaries can lag each
 * other's majority view, so a copy read on a member behind T0 would miss writes just before T0, while
 * one member's majority view only moves forward.
 *
 * FerretDB (the test source) has one member, no secondary and no rollback: it accepts both options and
 * honours neither, so the tests check what each read sends and which member is chosen, not the effect.
 */
import { MongoServerSelectionError, ReadPreference, type MongoClient, type ReadConcernLike } from 'mongodb';
import { z } from 'zod';
import { InvalidConfig, SourceUnreachable } from '../errors/domain-errors.js';

export const READ_MODES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'] as const;

/** The member choice when a job names none: a secondary when one is up, else the primary. */
export const DEFAULT_READ_MODE = 'secondaryPreferred';

/** A member choice: MongoDB's read preference mode and tag sets (tried in order; `{}` matches any). */
export const SourceReadPreference = z
  .object({
    mode: z.enum(READ_MODES).default(DEFAULT_READ_MODE),
    tags: z.array(z.record(z.string(), z.string())).optional(),
  })
  .refine((p) => p.mode !== 'primary' || p.tags === undefined, 'tag sets need a mode other than primary');
export type SourceReadPreference = z.infer<typeof SourceReadPreference>;

export interface SourceReads {
  readConcern?: ReadConcernLike;
  readPreference?: ReadPreference;
}

/**
 * A sync's member choice from its mode and tag sets, the default when neither is given.
 * @throws InvalidConfig when the mode is not one of MongoDB's or tag sets come with `primary`
 */
export function resolveReadPreference(p: { readPreference?: string; readTags?: Array<Record<string, string>> }): SourceReadPreference {
  const r = SourceReadPreference.safeParse(p.readTags === undefined ? { mode: p.readPreference } : { mode: p.readPreference, tags: p.readTags });
  if (!r.success) throw new InvalidConfig(`invalid read preference: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/**
 * The find options of a read that decides what the backup holds. Absent (a sync recorded before the
 * member choice was), the primary: never the connection's own default, which could read T0 on one
 * secondary and the copy on another behind it.
 */
export function sourceReads(pref?: SourceReadPreference): SourceReads {
  return {
    readConcern: { level: 'majority' },
    readPreference: pref === undefined ? ReadPreference.primary : new ReadPreference(pref.mode, pref.tags),
  };
}

/**
 * Chooses the member a sync reads: the driver's server selection for the read preference (mode, tag
 * sets, latency window) runs `hello`, and the member that answers names itself (`me`; a one-member set,
 * like FerretDB, which omits it, is its only host). Returns its host:port.
 * @throws InvalidConfig when no member matches the preference (e.g. tags no member carries);
 *   SourceUnreachable when no member answers at all
 */
export async function chooseMember(client: MongoClient, connectionId: string, pref: SourceReadPreference): Promise<string> {
  let hello: Record<string, unknown>;
  try {
    hello = await client.db('admin').command({ hello: 1 }, { readPreference: new ReadPreference(pref.mode, pref.tags) });
  } catch (err) {
    if (!(err instanceof MongoServerSelectionError)) throw err;
    // No member answered at all: the source is down, not the preference wrong.
    const seen = [...(err.reason?.servers.values() ?? [])].some((s) => s.type !== 'Unknown');
    if (!seen) throw new SourceUnreachable(`source '${connectionId}' is unreachable: ${err.message}; check that it is running and that connection '${connectionId}' names the right hosts`, { cause: err });
    throw new InvalidConfig(
      `no member of source '${connectionId}' matches read preference ${describePreference(pref)}: ` +
        `name tag sets that a member carries (or end them with {}), or a mode that allows the primary`,
      { cause: err },
    );
  }
  // A direct connection already names its one member, by the address this worker reaches it at: behind a
  // proxy, a tunnel or NAT the member's own name for itself (`me`) may not be reachable from here at all.
  const direct = client.options.directConnection && client.options.hosts.length === 1 ? client.options.hosts[0]!.toString() : undefined;
  if (direct !== undefined) return direct;
  const hosts = Array.isArray(hello.hosts) ? (hello.hosts as string[]) : [];
  const me = typeof hello.me === 'string' ? hello.me : hosts.length === 1 ? hosts[0] : undefined;
  if (me === undefined) throw new InvalidConfig(`source '${connectionId}': the member chosen by ${describePreference(pref)} does not name itself (hello has no 'me')`);
  return me;
}

/** "secondary with tag sets [{"dc":"east"}]", for messages. */
export function describePreference(pref: SourceReadPreference): string {
  return pref.tags === undefined ? `'${pref.mode}'` : `'${pref.mode}' with tag sets ${JSON.stringify(pref.tags)}`;
}
