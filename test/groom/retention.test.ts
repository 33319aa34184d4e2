import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetentionPolicy } from '../../src/contracts/snapshot.js';
import { bucketOf, decideRetention, isoWeek, type RetentionCandidate } from '../../src/groom/retention.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const policy = (p: object) => RetentionPolicy.parse(p);
const none = { keep: { hourly: 0, daily: 0, weekly: 0, monthly: 0 }, pointInTimeHours: 0 };
const iso = (ms: number) => new Date(ms).toISOString();

/** Snapshots every `stepHours` from `from` (inclusive), `count` of them, named by their ISO time. */
function series(from: string, stepHours: number, count: number): RetentionCandidate[] {
  return Array.from({ length: count }, (_, i) => {
    const t = at(from) + i * stepHours * HOUR;
    return { id: iso(t), at: t };
  });
}

const kept = (d: ReturnType<typeof decideRetention>) => [...d.keep.keys()];

describe('retention decision', () => {
  it('keeps nothing and has no slice floor when there are no snapshots', () => {
    const d = decideRetention([], policy({}), at('2024-01-01T00:00:00Z'));
    assert.deepEqual(kept(d), []);
    assert.deepEqual(d.drop, []);
    assert.equal(d.sliceFloor, undefined);
  });

  it('always keeps the newest snapshot, even when every count is zero', () => {
    const s = series('2024-01-01T00:00:00Z', 6, 5);
    const d = decideRetention(s, policy(none), at('2024-01-03T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-02T00:00:00.000Z']);
    assert.deepEqual(d.keep.get('2024-01-02T00:00:00.000Z'), ['latest', 'point-in-time'], 'a zero window starts now: the newest is its base');
    assert.deepEqual(d.drop, ['2024-01-01T18:00:00.000Z', '2024-01-01T12:00:00.000Z', '2024-01-01T06:00:00.000Z', '2024-01-01T00:00:00.000Z']);
  });

  it('keeps the newest snapshot of each of the last N hours', () => {
    const s = series('2024-01-01T00:00:00Z', 0.5, 8); // two per hour, 00:00 .. 03:30
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, hourly: 3 } }), at('2024-01-01T04:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-01T03:30:00.000Z', '2024-01-01T02:30:00.000Z', '2024-01-01T01:30:00.000Z']);
  });

  it('keeps the newest snapshot of each of the last N days, with 6-hourly snapshots', () => {
    const s = series('2024-01-01T00:00:00Z', 6, 40); // 10 days
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, daily: 3 } }), at('2024-01-11T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-10T18:00:00.000Z', '2024-01-09T18:00:00.000Z', '2024-01-08T18:00:00.000Z']);
    assert.equal(d.drop.length, 37);
  });

  it('buckets weeks by ISO week (Monday to Sunday)', () => {
    const s = series('2024-01-01T12:00:00Z', 24, 21); // Monday 1 Jan .. Sunday 21 Jan
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, weekly: 2 } }), at('2024-01-22T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-21T12:00:00.000Z', '2024-01-14T12:00:00.000Z']);
  });

  it('buckets months by calendar month, leap day included', () => {
    const s = series('2024-01-01T00:00:00Z', 24, 75); // 1 Jan .. 15 Mar
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, monthly: 3 } }), at('2024-03-16T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-03-15T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2024-01-31T00:00:00.000Z']);
  });

  it('stops at the count even when older buckets exist, and skips empty buckets', () => {
    const s = [...series('2024-01-01T00:00:00Z', 24, 2), ...series('2024-01-10T00:00:00Z', 24, 1)];
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, daily: 2 } }), at('2024-01-11T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-10T00:00:00.000Z', '2024-01-02T00:00:00.000Z'], 'days without a snapshot do not use up the count');
  });

  it('lists every reason a snapshot is kept', () => {
    const s = series('2024-01-31T18:00:00Z', 6, 2); // 31 Jan 18:00, 1 Feb 00:00
    const d = decideRetention(s, policy({ keep: { hourly: 1, daily: 2, weekly: 1, monthly: 2 }, pointInTimeHours: 0 }), at('2024-02-01T01:00:00Z'));
    assert.deepEqual(d.keep.get('2024-02-01T00:00:00.000Z'), ['latest', 'hourly', 'daily', 'weekly', 'monthly', 'point-in-time']);
    assert.deepEqual(d.keep.get('2024-01-31T18:00:00.000Z'), ['daily', 'monthly']);
  });

  it('keeps the newest snapshot at or before the window start as the point-in-time base and slice floor', () => {
    const s = series('2024-01-01T00:00:00Z', 24, 10); // daily at midnight, 1..10 Jan
    const d = decideRetention(s, policy({ ...none, pointInTimeHours: 36 }), at('2024-01-10T12:00:00Z'));
    assert.equal(d.windowStart, at('2024-01-09T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-10T00:00:00.000Z', '2024-01-09T00:00:00.000Z'], 'a snapshot exactly at the window start is the base');
    assert.deepEqual(d.keep.get('2024-01-09T00:00:00.000Z'), ['point-in-time']);
    assert.equal(d.sliceFloor, '2024-01-09T00:00:00.000Z');
  });

  it('keeps the oldest snapshot as the base when the window reaches past every snapshot (a job younger than its window)', () => {
    const s = series('2024-01-05T00:00:00Z', 24, 3);
    const d = decideRetention(s, policy({ ...none, keep: { ...none.keep, daily: 2 }, pointInTimeHours: 24 * 30 }), at('2024-01-08T00:00:00Z'));
    assert.deepEqual(kept(d), ['2024-01-07T00:00:00.000Z', '2024-01-06T00:00:00.000Z', '2024-01-05T00:00:00.000Z'], 'the daily count alone would drop 5 Jan, inside the 30-day window');
    assert.deepEqual(d.keep.get('2024-01-05T00:00:00.000Z'), ['point-in-time']);
    assert.equal(d.sliceFloor, '2024-01-05T00:00:00.000Z');
  });

  it('keeps the window whole when several snapshots fall in one hour of a young job', () => {
    const s = series('2024-01-01T10:05:00Z', 0.1, 5); // 10:05 .. 10:29, every 6 minutes
    const d = decideRetention(s, policy({ keep: { hourly: 48, daily: 7, weekly: 4, monthly: 12 }, pointInTimeHours: 24 }), at('2024-01-01T10:30:00Z'));
    assert.deepEqual(kept(d), ['2024-01-01T10:29:00.000Z', '2024-01-01T10:05:00.000Z'], 'the hour keeps its newest, the window its first');
    assert.equal(d.sliceFloor, '2024-01-01T10:05:00.000Z');
  });

  it('treats a snapshot from the future (clock skew) as the newest, and still keeps a base at or before now', () => {
    const s = [...series('2024-01-01T00:00:00Z', 24, 2), { id: 'future', at: at('2024-02-01T00:00:00Z') }];
    const d = decideRetention(s, policy(none), at('2024-01-03T00:00:00Z'));
    assert.deepEqual(kept(d), ['future', '2024-01-02T00:00:00.000Z']);
    assert.deepEqual(d.keep.get('future'), ['latest']);
  });

  it('orders snapshots of the same second by id, so the decision is deterministic', () => {
    const t = at('2024-01-01T00:00:00Z');
    const a = decideRetention([{ id: 'a', at: t }, { id: 'b', at: t }], policy(none), t);
    const b = decideRetention([{ id: 'b', at: t }, { id: 'a', at: t }], policy(none), t);
    assert.deepEqual(kept(a), ['b']);
    assert.deepEqual(kept(b), ['b']);
  });

  it('keeps what Ops Manager defaults keep over 400 days of 6-hourly snapshots', () => {
    const s = series('2023-01-01T00:00:00Z', 6, 1600);
    const now = s.at(-1)!.at + HOUR;
    const d = decideRetention(s, policy({}), now);
    const newest = (kind: 'hourly' | 'daily' | 'weekly' | 'monthly', n: number) => groupNewest(s, kind).slice(0, n);
    const expected = new Set([...newest('hourly', 8), ...newest('daily', 7), ...newest('weekly', 4), ...newest('monthly', 13)]);
    expected.add(s.filter((x) => x.at <= now - 24 * HOUR).at(-1)!.id);
    assert.deepEqual(new Set(kept(d)), expected);
    assert.equal(d.keep.size + d.drop.length, 1600);
  });

  it('agrees with a grouping implementation on random histories and policies', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round += 1) {
      const start = at('2023-06-01T00:00:00Z') + Math.floor(rand() * 400) * DAY;
      const s = Array.from({ length: 1 + Math.floor(rand() * 60) }, (_, i) => ({ id: `s${i}`, at: start + Math.floor(rand() * 90 * DAY) }));
      const keep = { hourly: Math.floor(rand() * 5), daily: Math.floor(rand() * 8), weekly: Math.floor(rand() * 5), monthly: Math.floor(rand() * 4) };
      const pointInTimeHours = Math.floor(rand() * 24 * 20);
      const now = start + 91 * DAY;
      const d = decideRetention(s, policy({ keep, pointInTimeHours }), now);
      const expected = new Set<string>();
      for (const kind of ['hourly', 'daily', 'weekly', 'monthly'] as const) groupNewest(s, kind).slice(0, keep[kind]).forEach((id) => expected.add(id));
      const sorted = [...s].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
      expected.add(sorted[0]!.id);
      const base = sorted.find((x) => x.at <= now - pointInTimeHours * HOUR);
      if (base) expected.add(base.id);
      assert.deepEqual(new Set(kept(d)), expected, `round ${round}`);
      assert.deepEqual(new Set([...kept(d), ...d.drop]), new Set(s.map((x) => x.id)), 'every snapshot is kept or dropped, once');
    }
  });
});

/** The newest snapshot of each bucket, buckets ordered newest first (grouping, not walking). */
function groupNewest(s: RetentionCandidate[], kind: 'hourly' | 'daily' | 'weekly' | 'monthly'): string[] {
  const best = new Map<string, RetentionCandidate>();
  for (const x of s) {
    const b = bucketOf(kind, x.at);
    const cur = best.get(b);
    if (cur === undefined || x.at > cur.at || (x.at === cur.at && x.id > cur.id)) best.set(b, x);
  }
  return [...best.values()].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((x) => x.id);
}

describe('iso weeks', () => {
  for (const [date, week] of [
    ['2021-01-03T12:00:00Z', '2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2024-01-07T23:59:59Z', '2024-W01'],
    ['2024-01-08T00:00:00Z', '2024-W02'],
  ] as const) {
    it(`${date} is in ${week}`, () => assert.equal(isoWeek(at(date)), week));
  }
});
