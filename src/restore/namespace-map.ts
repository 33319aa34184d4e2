/**
 * Which source namespaces a restore brings back and where they land: `--ns db` or `--ns db.coll`
 * (repeatable; none means the whole job) selects, `--rename db.coll=db2.coll2` or `--rename db=db2` maps.
 * A pure mapping, used for the snapshot's collections and as the applier's mapNamespace in the replay, so
 * that both paths land every namespace in the same place. Invariant: two source namespaces never map to
 * one target, and system collections are never restored.
 */
import { z } from 'zod';
import { InvalidConfig } from '../errors/domain-errors.js';
import type { TargetNs } from '../oplog/apply/index.js';

const DB = /^[^/\\. "$\0]{1,63}$/;
const NS = /^([^/\\. "$\0]{1,63})\.([^\0$][^\0]*)$/;

export const NamespaceSelection = z.object({
  /** `db` or `db.coll`; empty selects every namespace of the job. */
  include: z.array(z.string()).default([]),
  /** `db.coll=db2.coll2` or `db=db2`. */
  rename: z.array(z.string()).default([]),
});
export type NamespaceSelection = z.input<typeof NamespaceSelection>;

export class NamespaceMap {
  private constructor(
    private readonly scope: Set<string>,
    private readonly dbs: Set<string>,
    private readonly colls: Set<string>,
    private readonly dbRenames: Map<string, string>,
    private readonly collRenames: Map<string, TargetNs>,
  ) {}

  /**
   * @param scope the databases the job backs up (a collection created later in one of them is restored too)
   * @throws InvalidConfig for a malformed `--ns` or `--rename`, or an `--ns` outside the job
   */
  static parse(selection: NamespaceSelection, scope: Iterable<string>): NamespaceMap {
    const sel = NamespaceSelection.parse(selection);
    const scopeSet = new Set(scope);
    const dbs = new Set<string>();
    const colls = new Set<string>();
    for (const ns of sel.include) {
      const m = NS.exec(ns);
      if (m === null && !DB.test(ns)) throw new InvalidConfig(`invalid namespace '${ns}': expected 'db' or 'db.collection'`);
      const db = m === null ? ns : m[1]!;
      if (!scopeSet.has(db)) throw new InvalidConfig(`namespace '${ns}' is not backed up by this job (its databases: ${[...scopeSet].sort().join(', ')})`);
      if (m === null) dbs.add(ns);
      else colls.add(ns);
    }
    const dbRenames = new Map<string, string>();
    const collRenames = new Map<string, TargetNs>();
    for (const rule of sel.rename) parseRename(rule, dbRenames, collRenames);
    return new NamespaceMap(scopeSet, dbs, colls, dbRenames, collRenames);
  }

  /** Where source namespace `ns` lands, or null when it is not restored. Answers `<db>.$cmd` for whole databases. */
  map(ns: string): TargetNs | null {
    const dot = ns.indexOf('.');
    if (dot <= 0) return null;
    const db = ns.slice(0, dot);
    const coll = ns.slice(dot + 1);
    if (coll === '$cmd') return this.wholeDb(db) ? { db: this.dbRenames.get(db) ?? db, coll } : null;
    if (coll.startsWith('system.') || !this.selects(db, ns)) return null;
    return this.collRenames.get(ns) ?? { db: this.dbRenames.get(db) ?? db, coll };
  }

  /**
   * The target of each of `namespaces` that is restored.
   * @throws InvalidConfig when two of them would land on one target collection
   */
  targets(namespaces: string[]): Map<string, TargetNs> {
    const out = new Map<string, TargetNs>();
    const seen = new Map<string, string>();
    for (const ns of namespaces) {
      const t = this.map(ns);
      if (t === null) continue;
      const key = `${t.db}.${t.coll}`;
      const other = seen.get(key);
      if (other !== undefined) throw new InvalidConfig(`namespaces '${other}' and '${ns}' would both be restored to '${key}'`);
      seen.set(key, ns);
      out.set(ns, t);
    }
    return out;
  }

  private selects(db: string, ns: string): boolean {
    if (!this.scope.has(db)) return false;
    return (this.dbs.size === 0 && this.colls.size === 0) || this.dbs.has(db) || this.colls.has(ns);
  }

  /** Database-wide commands (dropDatabase) reach the target only when the whole database is restored. */
  private wholeDb(db: string): boolean {
    return this.scope.has(db) && ((this.dbs.size === 0 && this.colls.size === 0) || this.dbs.has(db));
  }
}

function parseRename(rule: string, dbRenames: Map<string, string>, collRenames: Map<string, TargetNs>): void {
  const [from, to, extra] = rule.split('=');
  const bad = () => new InvalidConfig(`invalid rename '${rule}': expected 'db.collection=db2.collection2' or 'db=db2'`);
  if (from === undefined || to === undefined || extra !== undefined) throw bad();
  const f = NS.exec(from);
  const t = NS.exec(to);
  if (f !== null && t !== null) return void collRenames.set(from, { db: t[1]!, coll: t[2]! });
  if (f === null && t === null && DB.test(from) && DB.test(to)) return void dbRenames.set(from, to);
  throw bad();
}
