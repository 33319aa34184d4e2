/**
 * Which namespaces a job backs up: include/exclude patterns (`db`, `db.coll`, `*` wildcards), with
 * `admin`, `local`, `config` and `system.*` collections always excluded, as Ops Manager and PBM do.
 */
export const DEFAULT_EXCLUDES = ['admin', 'local', 'config', '*.system.*'];

function toRegExp(pattern: string): RegExp {
  // A bare database name matches every collection of it.
  const full = pattern.includes('.') ? pattern : `${pattern}.*`;
  const escaped = full.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export class NamespaceFilter {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];
  constructor(opts: { include?: string[]; exclude?: string[] }) {
    this.include = (opts.include ?? []).map(toRegExp);
    this.exclude = [...DEFAULT_EXCLUDES, ...(opts.exclude ?? [])].map(toRegExp);
  }

  matches(ns: string): boolean {
    if (this.exclude.some((r) => r.test(ns))) return false;
    return this.include.length === 0 || this.include.some((r) => r.test(ns));
  }

  /** Whether any collection of `db` could match (lets the lister skip whole databases). */
  mayMatchDb(db: string): boolean {
    return this.matches(`${db}.x`) || this.include.some((r) => r.source.startsWith(`^${db}\\.`));
  }
}
