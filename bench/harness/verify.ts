/**
 * Equality checks the benchmarks run before reporting a figure: a copy that differs from the source has
 * no speed worth quoting. Count and order-independent content hash per collection (test/harness/compare.ts).
 */
import type { MongoClient } from 'mongodb';
import { digest } from '../../test/harness/compare.js';

export async function assertSameDatabase(source: MongoClient, target: MongoClient, sourceDb: string, targetDb: string, colls: readonly string[], who: string): Promise<void> {
  for (const coll of colls) {
    const [want, got] = await Promise.all([digest(source, sourceDb, coll), digest(target, targetDb, coll)]);
    if (got.count !== want.count || got.hash !== want.hash || got.duplicates > 0) {
      throw new Error(
        `${who}: ${targetDb}.${coll} differs from the source ${sourceDb}.${coll}: ` +
          `${got.count} documents (hash ${got.hash.slice(0, 12)}, ${got.duplicates} duplicates) vs ${want.count} (${want.hash.slice(0, 12)})`,
      );
    }
  }
}
