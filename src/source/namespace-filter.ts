/**
 * Which namespaces a job backs up: include/exclude patterns (`db`, `db.coll`, `*` wildcards), with
 * `admin`, `local`, `config` and `system.*` collections always excluded, as Ops Manager and PBM do.
 * The same filter plans the initial sync, decides which oplog entries are captured into slices
 * (src/oplog/entry-filter.ts) and which are applied to the head (src/head/apply-range.ts).
 */
export const DEFAULT_EXCLUDES = ['admin', 'local', 'config', '*.system.*'];

const escape = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');

interface Pattern {
  ns: RegExp;
  /** The database part alone, and whether the pattern takes every collection of it. */
  db: RegExp;
  wholeDb: boolean;
}

function toPattern(pattern: string): Pattern {
  // A bare database name matches every collection of it.
  const full = pattern.includes('.') ? pattern : `${pattern}.*`;
  const dot = full.indexOf('.');
  return {
    ns: new RegExp(`^${escape(full)}$`),
    db: new RegExp(`^${escape(full.slice(0, dot))}$`),
    wholeDb: full.slice(dot + 1) === '*',
  };
}

export class NamespaceFilter {
  private readonly include: Pattern[];
  private readonly exclude: Pattern[];
  constructor(opts: { include?: string[]; exclude?: string[] }) {
    this.include = (opts.include ?? []).map(toPattern);
    this.exclude = [...DEFAULT_EXCLUDES, ...(opts.exclude ?? [])].map(toPattern);
  }

  matches(ns: string): boolean {
    if (this.exclude.some((p) => p.ns.test(ns))) return false;
    return this.include.length === 0 || this.include.some((p) => p.ns.test(ns));
  }

  /**
   * Whether any collection of `db` could match: false only when the database is excluded whole or no
   * include names it (lets the lister skip databases, and the capture keep a dropDatabase that matters).
   */
  mayMatchDb(db: string): boolean {
    if (this.exclude.some((p) => p.wholeDb && p.db.test(db))) return false;
    return this.include.length === 0 || this.include.some((p) => p.db.test(db));
  }
}
