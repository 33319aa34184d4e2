/**
 * Lists an fs store's objects in key order by a sorted depth-first walk. A directory sorts as its name
 * plus '/', so 'a-1' comes before 'a/0' exactly as the keys compare, and every key under a directory is
 * contiguous in that order. Hidden names (the store's temporary files) are never listed.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobEntry } from './blob-store.js';
import { blobKeyProblem } from './blob-key.js';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readSorted(dir: string, keyPrefix: string): Promise<{ entry: Dirent; sortKey: string }[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isDirectory()))
    .map((entry) => ({ entry, sortKey: keyPrefix + entry.name + (entry.isDirectory() ? '/' : '') }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

/**
 * Yields every object under `dir` (whose keys start with `keyPrefix`) that also starts with `filter`,
 * in key order. Files whose names are not valid keys (dropped there by hand) are skipped.
 */
export async function* walkSorted(dir: string, keyPrefix: string, filter: string): AsyncGenerator<BlobEntry> {
  for (const { entry, sortKey } of await readSorted(dir, keyPrefix)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (sortKey.startsWith(filter) || filter.startsWith(sortKey)) yield* walkSorted(path, sortKey, filter);
      continue;
    }
    if (!sortKey.startsWith(filter) || blobKeyProblem(sortKey) !== undefined) continue;
    try {
      yield { key: sortKey, size: (await stat(path)).size };
    } catch (err) {
      if (!isMissing(err)) throw err; // deleted while listing: it may or may not appear
    }
  }
}
