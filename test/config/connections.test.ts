/**
 * The connection registry's clients come back by themselves: a client whose first connect failed (the head
 * down or too slow when the worker started) is the same object every holder keeps (the catalog, the stores),
 * so it must work again once the server answers, without a worker restart. Found by the soak: a worker
 * restarted under load kept a catalog on a closed client and failed every activity for good.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TcpProxy } from '../../bench/harness/tcp-proxy.js';
import { ConnectionRegistry } from '../../src/config/connections.js';
import { ConnectionConfig } from '../../src/config/schema.js';

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
});
