/**
 * The worker's Prometheus metrics (prom-client): capture lag, apply lag, oplog headroom and throughput,
 * per job. Served over HTTP on the configured port at /metrics (0 disables the endpoint).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly captureLag = new Histogram({
    name: 'headwater_capture_lag_seconds',
    help: 'Time from an oplog entry being written on the source to its slice being durable',
    labelNames: ['job'],
    buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly applyLag = new Gauge({
    name: 'headwater_apply_lag_seconds',
    help: 'How far the head is behind the newest applied oplog entry (now minus its time)',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly headroom = new Gauge({
    name: 'headwater_oplog_headroom_seconds',
    help: 'How long the source oplog still covers the next entry to capture',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly captured = new Counter({
    name: 'headwater_oplog_entries_captured_total',
    help: 'Oplog entries captured',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly applied = new Counter({
    name: 'headwater_oplog_entries_applied_total',
    help: 'Oplog entries applied to the head',
    labelNames: ['job'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'headwater_worker_' });
  }

  /** Serves /metrics on 127.0.0.1:port unless port is 0; resolves with the bound port. */
  serve(port: number, host = '127.0.0.1'): Promise<{ server: Server; port: number } | undefined> {
    if (port === 0) return Promise.resolve(undefined);
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
    });
  }
}
