/**
 * Which server a client talks to: MongoDB, or FerretDB (the test stand-in), told apart by the
 * `ferretdbVersion` field FerretDB adds to `buildInfo`. Asked once per client. Callers use it only to work
 * around a documented FerretDB difference (docs/ferretdb-findings.md), never to change what is copied.
 */
import type { MongoClient } from 'mongodb';

export type ServerKind = 'mongodb' | 'ferretdb';

const kinds = new WeakMap<MongoClient, Promise<ServerKind>>();

export function serverKind(client: MongoClient): Promise<ServerKind> {
  let kind = kinds.get(client);
  if (kind === undefined) {
    kind = client
      .db('admin')
      .command({ buildInfo: 1 })
      .then((info): ServerKind => (typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb'));
    // A failed probe is not remembered: the next call asks again.
    kind.catch(() => kinds.delete(client));
    kinds.set(client, kind);
  }
  return kind;
}
