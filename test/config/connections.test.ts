/**
 * The connection registry's clients come back by themselves: a client whose first connect failed (the head
 * down or too slow when the worker started) is the same object every holder keeps (the catalog, the stores),
 * so it must work again once the server answers, without a worker restart. Found by the soak: a worker
 * restarted under load kept a catalog on a closed client and failed every activity for good.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TcpProxy } from '../harness/tcp-proxy.js';
import { ConnectionRegistry } from '../../src/config/connections.js';
import { ConnectionConfig } from '../../src/config/schema.js';
import type { MongoClient } from 'mongodb';

/** Pings until the client answers; fails with the last error after `seconds`. */
async function untilPings(client: MongoClient, seconds: number, what: string): Promise<void> {
  const end = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      assert.deepEqual((await client.db('admin').command({ ping: 1 })).ok, 1);
      return;
    } catch (err) {
      last = err;
      if (Date.now() > end) assert.fail(`${what}: ${String(last)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('connection registry', () => {
  it('a client whose first connect failed works again once the server answers', async () => {
    const port = Number(process.env.HW_HEAD_PORT ?? 27118);
    const proxy = new TcpProxy(port);
    await proxy.start();
    proxy.cutLink();
    const registry = new ConnectionRegistry({ head: ConnectionConfig.parse({ uri: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` }) });
    try {
      const client = registry.client('head');
      await assert.rejects(client.db('admin').command({ ping: 1 }), 'the server is unreachable');
      proxy.restore();
      const end = Date.now() + 30_000;
      let last: unknown;
      for (;;) {
        try {
          assert.deepEqual((await client.db('admin').command({ ping: 1 })).ok, 1);
          break;
        } catch (err) {
          last = err;
          if (Date.now() > end) assert.fail(`the same client never worked again: ${String(last)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.equal(registry.client('head'), client, 'holders and the registry share the one client');
    } finally {
      await registry.close();
      await proxy.close();
    }
  });

  it('a client whose link was cut while the server ran its commands works again once the link is back', async () => {
    // The driver (7.9) can then wait for ever on its server check and fail every operation's server
    // selection until the process restarts (found by the soak: capture never resumed after a cut). It
    // happens to about two cuts in three here, so the link is cut three times.
    const port = Number(process.env.HW_SOURCE_PORT ?? 27117);
    const proxy = new TcpProxy(port);
    await proxy.start();
    const uri = `mongodb://127.0.0.1:${proxy.port}/?directConnection=true`;
    const registry = new ConnectionRegistry({ source: ConnectionConfig.parse({ uri, readPreference: 'secondaryPreferred' }) }, {}, 6000);
    const client = registry.client('source');
    // Newest-first oplog reads, one after another: FerretDB scans the whole oplog for each, so the
    // server is busy with one whenever the link is cut.
    let reading = true;
    const reader = (async () => {
      while (reading) await client.db('local').collection('oplog.rs').find({}).sort({ $natural: -1 }).limit(1).toArray().catch(() => undefined);
    })();
    try {
      for (let cut = 1; cut <= 3; cut += 1) {
        await untilPings(client, 60, `the client never answered before cut ${cut}`);
        await proxy.nextRequest();
        proxy.cutLink();
        await assert.rejects(client.db('admin').command({ ping: 1 }), 'the link is cut');
        proxy.restore();
        await untilPings(client, 60, `the same client never worked again after cut ${cut}`);
      }
      assert.equal(registry.client('source'), client, 'holders and the registry share the one client');
    } finally {
      reading = false;
      await registry.close();
      await reader;
      await proxy.close();
    }
  });
});
