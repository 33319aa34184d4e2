/**
 * The soak's faults, each as it happens in production: the worker SIGKILLed (and started again, as a
 * supervisor would), the Temporal dev server restarted, the source, the head (and catalog) or MinIO stopped
 * for 30 s, and the link between worker and source made slow or cut for 30 s (test/harness/tcp-proxy.ts). `runFaults`
 * injects them one at a time in a random order at random moments, and after each waits for the job to
 * catch up with the source by itself: a fault is "recovered" when that happens with no command given.
 */
import type { BenchWorker } from './headwater.js';
import { progress } from './report.js';
import type { SoakServices } from './soak-services.js';
import type { TcpProxy } from '../../test/harness/tcp-proxy.js';

export const FAULT_KINDS = ['workerKill', 'temporalRestart', 'sourceStop', 'headStop', 'minioStop', 'linkSlow', 'linkCut'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultTargets {
  services: SoakServices;
  worker: BenchWorker;
  proxy: TcpProxy;
  outageSeconds: number;
  /** Resolves true once the job applied through the source's newest entry (bounded in time). */
  caughtUp: () => Promise<boolean>;
  /**
   * Waits until no write to the source is in flight and holds new ones; returns what lets them go. The
   * source is stopped only then: FerretDB writes a change and its oplog entry one after the other, not in
   * one transaction as MongoDB does, so a server stopped between the two keeps a change that no oplog holds
   * and no oplog-based backup can see (docs/ferretdb-findings.md, defect 10). Writes sent once it is down
   * fail before reaching it, as on MongoDB.
   */
  quiesce?: () => Promise<() => void>;
}

export interface FaultLog {
  injected: Record<string, number>;
  recovered: number;
  /** Seconds from each fault's end to the job being caught up, by kind. */
  recoverySeconds: Record<string, number[]>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function newFaultLog(): FaultLog {
  return { injected: {}, recovered: 0, recoverySeconds: {} };
}

/** Injects one fault and waits for its end (the outage over, the worker or server back). */
export async function inject(kind: FaultKind, t: FaultTargets): Promise<void> {
  const outage = t.outageSeconds * 1000;
  switch (kind) {
    case 'workerKill':
      await t.worker.kill('SIGKILL');
      await t.worker.start();
      return;
    case 'temporalRestart':
      await t.services.down('temporal');
      await t.services.up('temporal');
      return;
    case 'sourceStop':
    case 'headStop':
    case 'minioStop': {
      const service = kind === 'sourceStop' ? 'source' : kind === 'headStop' ? 'head' : 'minio';
      const release = kind === 'sourceStop' && t.quiesce !== undefined ? await t.quiesce() : undefined;
      try {
        await t.services.down(service);
      } finally {
        release?.();
      }
      await sleep(outage);
      await t.services.up(service);
      return;
    }
    case 'linkSlow':
    case 'linkCut':
      if (kind === 'linkSlow') t.proxy.slow(400);
      else t.proxy.cutLink();
      await sleep(outage);
      t.proxy.restore();
  }
}

/** Injects one fault, counts it, and waits for the job to catch up without a person. */
export async function injectAndRecover(kind: FaultKind, t: FaultTargets, log: FaultLog): Promise<void> {
  progress(`fault: ${kind}`);
  await inject(kind, t);
  log.injected[kind] = (log.injected[kind] ?? 0) + 1;
  const ended = Date.now();
  if (await t.caughtUp()) {
    log.recovered += 1;
    (log.recoverySeconds[kind] ??= []).push(Math.round((Date.now() - ended) / 100) / 10);
    progress(`recovered from ${kind} in ${((Date.now() - ended) / 1000).toFixed(1)} s`);
  } else progress(`NOT recovered from ${kind}`);
}

/**
 * Rounds of every kind (workerKill three times a round) in a random order, a random 3-10 s apart, until
 * `seconds` have passed; the first round always runs whole, so every kind is injected at least once.
 */
export async function runFaults(t: FaultTargets, log: FaultLog, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (let round = 0; round === 0 || Date.now() < end - 60_000; round += 1) {
    const plan = shuffle([...FAULT_KINDS, 'workerKill', 'workerKill'] as FaultKind[]);
    for (const kind of plan) {
      if (round > 0 && Date.now() > end - 60_000) return;
      await sleep(3000 + Math.random() * 7000);
      await injectAndRecover(kind, t, log);
    }
  }
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
