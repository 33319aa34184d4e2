/**
 * The worker's Prometheus metrics (prom-client). Two kinds:
 * - measured where they happen: capture lag per slice, apply lag, oplog headroom, entries captured and
 *   applied (set by the capture and apply activities), and activity failures by type (counted by the
 *   activity interceptor below, so no activity has to remember to);
 * - read from the catalog when Prometheus scrapes (collect()): slices, snapshots, chunks and bytes stored
 *   per job, and how far capture has reached. The catalog is the truth, so these survive a worker restart
 *   and agree across several workers.
 * Served over HTTP at /metrics on the configured host and port (port 0 disables the endpoint).
 */
import { createServer, type Server } from 'node:http';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Catalog } from '../catalog/catalog.js';
import { HeadwaterError } from '../errors/domain-errors.js';
import { catalogFigures, type CatalogFigures } from './catalog-figures.js';

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
  readonly activityFailures = new Counter({
    name: 'headwater_activity_failures_total',
    help: 'Activity attempts that failed, by activity and failure type (a retried attempt counts each time)',
    labelNames: ['activity', 'type'],
    registers: [this.registry],
  });
  readonly activitiesCompleted = new Counter({
    name: 'headwater_activities_completed_total',
    help: 'Activity attempts that completed, by activity',
    labelNames: ['activity'],
    registers: [this.registry],
  });
  private figures: (() => Promise<CatalogFigures>) | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'headwater_worker_' });
    this.catalogGauges();
  }

  /** Reads the catalog figures at each scrape (at most every `cacheMs`: a scrape must stay cheap). */
  watchCatalog(catalog: () => Catalog, cacheMs = 5_000): void {
    let last: { at: number; value: Promise<CatalogFigures> } | undefined;
    this.figures = () => {
      if (last === undefined || Date.now() - last.at > cacheMs) last = { at: Date.now(), value: catalogFigures(catalog()) };
      const value = last.value;
      // A failed read is not cached: the next scrape tries again.
      value.catch(() => (last = undefined));
      return value;
    };
  }

  /** Worker interceptor: counts each activity attempt's outcome, failures by their type. */
  activityInterceptor(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          const activity = ctx.info.activityType;
          try {
            const result = await next(input);
            this.activitiesCompleted.inc({ activity });
            return result;
          } catch (err) {
            this.activityFailures.inc({ activity, type: failureType(err) });
            throw err;
          }
        },
      },
    });
  }

  /** Serves /metrics on host:port unless port is 0; resolves with the bound port. */
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

  private catalogGauges(): void {
    const gauge = (name: string, help: string, labelNames: string[], read: (f: CatalogFigures, g: Gauge) => void) => {
      const figures = () => this.figures?.();
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          const f = await figures();
          if (f === undefined) return;
          this.reset();
          read(f, this);
        },
      });
    };
    gauge('headwater_slices', 'Slices in the catalog, by job and kind (oplog, or the collection slices of initial syncs)', ['job', 'kind'], (f, g) => {
      for (const j of f.jobs) for (const [kind, n] of Object.entries(j.slices)) g.set({ job: j.jobId, kind }, n);
    });
    gauge('headwater_snapshots', 'Snapshots in the catalog, by job', ['job'], (f, g) => {
      for (const j of f.jobs) g.set({ job: j.jobId }, j.snapshots);
    });
    gauge('headwater_chunks', 'Chunks the job\'s snapshots stored (each counted by the snapshot that first stored it)', ['job'], (f, g) => {
      for (const j of f.jobs) g.set({ job: j.jobId }, j.chunks);
    });
    gauge('headwater_bytes_stored', 'Bytes a job holds in its stores, encoded, by kind (slices, snapshots)', ['job', 'kind'], (f, g) => {
      for (const j of f.jobs) {
        g.set({ job: j.jobId, kind: 'slices' }, j.sliceBytes);
        g.set({ job: j.jobId, kind: 'snapshots' }, j.snapshotBytes);
      }
    });
    gauge('headwater_captured_through_seconds', 'Time (unix seconds) of the newest oplog entry captured into a slice; time() minus it is how far capture is behind', ['job'], (f, g) => {
      for (const j of f.jobs) if (j.capturedThrough !== undefined) g.set({ job: j.jobId }, j.capturedThrough);
    });
  }
}

/** The stable type of an activity failure: the catalogue's type, else the error's class name. */
export function failureType(err: unknown): string {
  if (err instanceof ApplicationFailure && err.type) return err.type;
  if (err instanceof HeadwaterError) return err.type;
  if (err instanceof CancelledFailure) return 'Cancelled';
  return err instanceof Error ? err.name : 'Unknown';
}
