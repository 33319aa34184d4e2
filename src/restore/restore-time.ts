/**
 * The time a point-in-time restore goes to. An ISO time names a whole second and includes every operation
 * of it (ts <= Timestamp(second, 0xFFFFFFFF)); `<seconds>,<increment>` names one oplog entry and includes
 * exactly it and what came before. Invariant: the bound is inclusive, so the boundary second or entry is
 * never lost to an exclusive limit.
 */
import { Timestamp } from 'mongodb';
import { z } from 'zod';
import { InvalidConfig } from '../errors/domain-errors.js';

const MAX_UINT32 = 0xffffffff;

/** A parsed restore time: the inclusive bound, and whether it names one entry or a whole second. */
export interface RestorePoint {
  ts: Timestamp;
  exact: boolean;
  /** As given, for messages. */
  text: string;
}

const Exact = z
  .string()
  .regex(/^\d{1,10},\d{1,10}$/)
  .transform((s) => s.split(',').map(Number) as [number, number])
  .refine(([t, i]) => t <= MAX_UINT32 && i <= MAX_UINT32, 'seconds and increment are at most 4294967295');

const Iso = z.iso.datetime({ offset: true, local: false }).transform((s) => Math.floor(Date.parse(s) / 1000));

/**
 * Reads `<ISO time>` or `<seconds>,<increment>`.
 * @throws InvalidConfig naming the text and the two accepted forms
 */
export function parseRestoreTime(text: string): RestorePoint {
  const exact = Exact.safeParse(text.trim());
  if (exact.success) return { ts: new Timestamp({ t: exact.data[0], i: exact.data[1] }), exact: true, text };
  const iso = Iso.safeParse(text.trim());
  if (iso.success && iso.data >= 0 && iso.data <= MAX_UINT32) {
    return { ts: new Timestamp({ t: iso.data, i: MAX_UINT32 }), exact: false, text };
  }
  throw new InvalidConfig(
    `invalid restore time '${text}': expected an iso time with a zone (2024-05-01T12:00:00Z), which includes that whole second, or '<seconds>,<increment>' (one oplog entry)`,
  );
}

/** A timestamp as `<seconds>,<increment>`, the form `parseRestoreTime` reads back exactly. */
export function formatExact(ts: Timestamp): string {
  return `${ts.high >>> 0},${ts.low >>> 0}`;
}

/** The second of a timestamp as an ISO time (UTC). */
export function isoSecond(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
