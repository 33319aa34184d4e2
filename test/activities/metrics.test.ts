import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/activities/metrics.js';
import { freePort } from '../harness/ferret.js';

describe('worker metrics endpoint', () => {
  it('serves capture lag, apply lag and headroom per job in Prometheus text format', async () => {
    const m = new Metrics();
    m.captureLag.observe({ job: 'j1' }, 0.4);
    m.applyLag.set({ job: 'j1' }, 2);
    m.headroom.set({ job: 'j1' }, 86_400);
    const served = await m.serve(0);
    assert.equal(served, undefined, 'port 0 disables the endpoint');
    // A port the kernel just handed out, not a random one that may be taken (it was, once, in a full run).
    const live = await m.serve(Number(process.env.HW_TEST_METRICS_PORT ?? 0) || (await freePort()));
    try {
      const text = await (await fetch(`http://127.0.0.1:${live!.port}/metrics`)).text();
      assert.match(text, /headwater_capture_lag_seconds_bucket\{le="0.5",job="j1"\} 1/);
      assert.match(text, /headwater_apply_lag_seconds\{job="j1"\} 2/);
      assert.match(text, /headwater_oplog_headroom_seconds\{job="j1"\} 86400/);
      assert.equal((await fetch(`http://127.0.0.1:${live!.port}/other`)).status, 404);
    } finally {
      live!.server.close();
    }
  });
});
