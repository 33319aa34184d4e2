/**
 * The soak's fault proxy (test/harness/tcp-proxy.ts) on loopback against an echo server: bytes pass in
 * order, a slow link holds each chunk both ways, a cut link kills open connections and refuses new ones
 * until restored.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TcpProxy } from '../harness/tcp-proxy.js';

/** Sends `text` and resolves with the echo once it is all back, and how long that took. */
async function echo(socket: Socket, text: string): Promise<{ got: string; ms: number }> {
  const t0 = Date.now();
  let got = '';
  socket.write(text);
  while (got.length < text.length) got += String((await once(socket, 'data'))[0]);
  return { got, ms: Date.now() - t0 };
}

async function open(port: number): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

describe('tcp proxy (soak faults)', () => {
  let server: Server;
  let proxy: TcpProxy;
  before(async () => {
    server = createServer((s) => s.pipe(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new TcpProxy((server.address() as { port: number }).port);
    await proxy.start();
  });
  after(async () => {
    await proxy.close();
    server.close();
  });

  it('forwards both ways in order, and a slow link holds each chunk both ways', async () => {
    const s = await open(proxy.port);
    assert.equal((await echo(s, 'abc')).got, 'abc');
    proxy.slow(300);
    const slow = await echo(s, 'defgh');
    assert.equal(slow.got, 'defgh');
    assert.ok(slow.ms >= 590, `held about 300 ms each way: ${slow.ms} ms`);
    proxy.restore();
    assert.equal((await echo(s, 'ij')).got, 'ij');
    s.destroy();
  });

  it('a cut link closes open connections and new ones until restored', async () => {
    const s = await open(proxy.port);
    const closed = once(s, 'close');
    proxy.cutLink();
    await closed;
    const refused = connect(proxy.port, '127.0.0.1');
    refused.on('error', () => undefined);
    await once(refused, 'close');
    assert.equal(refused.bytesRead, 0);
    proxy.restore();
    const again = await open(proxy.port);
    assert.equal((await echo(again, 'back')).got, 'back');
    again.destroy();
  });
});
