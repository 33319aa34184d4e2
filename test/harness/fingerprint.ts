/**
 * What a refused or failed command must not change, as one comparable value: every document and index of
 * the chosen databases (the catalog, heads, restore targets) and every file under the chosen store
 * directories, each reduced to a hash. `assert.deepEqual(after, before)` then names what changed.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BSON, type MongoClient } from 'mongodb';

export type Fingerprint = Record<string, string>;

const hash = (text: string | Buffer) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * @param databases which databases of `client` to take (by name); @param dirs store directories;
 * @param ignore collections that record attempts rather than hold data (e.g. the catalog's restore log).
 * An empty collection counts as absent: it holds nothing.
 */
export async function fingerprint(o: {
  client: MongoClient;
  databases: (name: string) => boolean;
  dirs?: string[];
  ignore?: (db: string, coll: string) => boolean;
}): Promise<Fingerprint> {
  const out: Fingerprint = {};
  const { databases } = await o.client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases.filter((d) => o.databases(d.name))) {
    const db = o.client.db(name);
    for (const { name: coll } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      if (o.ignore?.(name, coll)) continue;
      const docs = (await db.collection(coll).find({}).toArray()).map((d) => BSON.EJSON.stringify(d, { relaxed: false })).sort();
      const indexes = (await db.collection(coll).listIndexes().toArray()).map((i) => BSON.EJSON.stringify(i)).sort();
      if (docs.length === 0 && indexes.length <= 1) continue;
      out[`db ${name}.${coll}`] = `${docs.length} docs ${hash(docs.join('\n'))}, indexes ${hash(indexes.join('\n'))}`;
    }
  }
  for (const dir of o.dirs ?? []) {
    for (const file of await files(dir)) out[`file ${file}`] = hash(await readFile(file));
  }
  return out;
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out.sort();
}
