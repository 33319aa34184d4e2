/**
 * The source's own bound for capture lag, measured beside Headwater in the same run: one bare tailable
 * cursor, opened before the load and read every 50 ms (a quarter of Headwater's 200 ms poll on FerretDB),
 * records for each entry of the bench's database the time it was read minus its `wall` time. No slice,
 * store, catalog or workflow, so a capture on this server and machine gets under it only by polling more
 * often. (Not awaitData: on FerretDB its read re-runs every 10 ms while it waits, and the one run that used
 * it saw the load fall to 1 op/s on a machine at load 26: docs/ferretdb-findings.md.)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Document, MongoClient, Timestamp } from 'mongodb';

const POLL_MS = 50;

export interface BareTail {
  /** Stops reading (after its current read) and returns the lag of every entry read, in ms. */
  stop: () => Promise<number[]>;
}

export function startBareTail(client: MongoClient, db: string, after: Timestamp): BareTail {
  const cursor = client
    .db('local')
    .collection('oplog.rs')
    .find(
      // $gte: a tailable find that matches nothing is closed at once (MongoDB's rule, and FerretDB's).
      { ts: { $gte: after } },
      { tailable: true, awaitData: false, batchSize: 5000, projection: { ts: 1, ns: 1, wall: 1 } },
    );
  const lags: number[] = [];
  let stopped = false;
  const reading = (async () => {
    while (!stopped && !cursor.closed) {
      const e = (await cursor.tryNext()) as Document | null;
      const readAt = Date.now();
      if (e === null) await sleep(POLL_MS);
      else if (String(e.ns).startsWith(`${db}.`) && e.wall instanceof Date && (e.ts as Timestamp).gt(after))
        lags.push(readAt - e.wall.getTime());
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await reading;
      await cursor.close();
      return lags;
    },
  };
}
