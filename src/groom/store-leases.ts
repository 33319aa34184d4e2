/**
 * Leases that keep a sweep from deleting a chunk a snapshot in progress relies on. A snapshot writing to
 * a store holds a writer lease from before it checks any chunk (`has`) until its manifest is committed; a
 * sweep holds the store's one sweeper lease. Each side writes its own lease first and then reads the
 * other's (the catalog is one primary, so reads see earlier writes): whichever comes second sees the
 * first, so a sweep never runs beside a writer. The sweep gives way (skips); the writer waits for the
 * sweep to end. Leases expire, so a crashed process never blocks the other side for ever; a writer whose
 * lease lapsed re-checks its chunks before committing (src/snapshot/commit-snapshot.ts).
 */
import type { Catalog } from '../catalog/catalog.js';
import type { StoreLease, StoreLeaseCatalog } from '../catalog/store-leases.js';

export { StoreLease } from '../catalog/store-leases.js';

const writerId = (store: string, owner: string) => `writer/${store}/${owner}`;
const sweeperId = (store: string) => `sweeper/${store}`;

export class StoreLeases {
  private readonly leases: StoreLeaseCatalog;

  constructor(
    catalog: Catalog,
    private readonly now: () => number = Date.now,
  ) {
    this.leases = catalog.storeLeases;
  }

  /** Registers (or re-registers, on a retry) a snapshot writing to `store`. */
  async acquireWriter(store: string, owner: string, ttlMs: number): Promise<void> {
    await this.leases.put({ _id: writerId(store, owner), store, kind: 'writer', owner, expiresAt: new Date(this.now() + ttlMs) });
  }

  /** Extends a live lease; false when it lapsed or is gone (a sweep may have run since). */
  async renew(store: string, kind: 'writer' | 'sweeper', owner: string, ttlMs: number): Promise<boolean> {
    const _id = kind === 'writer' ? writerId(store, owner) : sweeperId(store);
    const now = this.now();
    return this.leases.extend(_id, owner, new Date(now), new Date(now + ttlMs));
  }

  /** Takes the store's sweeper lease unless another live sweep holds it. */
  async acquireSweeper(store: string, owner: string, ttlMs: number): Promise<boolean> {
    const _id = sweeperId(store);
    const now = this.now();
    const lease = { _id, store, kind: 'sweeper' as const, owner, expiresAt: new Date(now + ttlMs) };
    const current = await this.leases.find(_id);
    if (current === null) return this.leases.insert(lease); // false: another sweep inserted it first
    if (current.owner !== owner && current.expiresAt.getTime() > now) return false;
    // Compare-and-set on the lease we read, so two sweeps taking over an expired lease cannot both win.
    return this.leases.replaceIf(current, lease);
  }

  async release(store: string, kind: 'writer' | 'sweeper', owner: string): Promise<void> {
    await this.leases.delete(kind === 'writer' ? writerId(store, owner) : sweeperId(store), owner);
  }

  /** Live writer leases of `store`. */
  async liveWriters(store: string): Promise<StoreLease[]> {
    return this.leases.liveWriters(store, new Date(this.now()));
  }

  /** The live sweeper lease of `store`, if a sweep runs. */
  async liveSweeper(store: string): Promise<StoreLease | undefined> {
    return this.leases.findLive(sweeperId(store), new Date(this.now()));
  }
}

/**
 * Registers a snapshot as a writer of `store`, then waits while a sweep runs (polling, renewing its own
 * lease). When this resolves, no sweep will delete a chunk until the writer lease is released or lapses.
 */
export async function acquireWriterLease(
  leases: StoreLeases,
  o: { store: string; owner: string; ttlMs: number; pollMs?: number; signal?: AbortSignal; onWait?: (sweeper: StoreLease) => void },
): Promise<void> {
  await leases.acquireWriter(o.store, o.owner, o.ttlMs);
  for (;;) {
    const sweeper = await leases.liveSweeper(o.store);
    if (sweeper === undefined) return;
    o.onWait?.(sweeper);
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 1000));
    o.signal?.throwIfAborted();
    await leases.acquireWriter(o.store, o.owner, o.ttlMs);
  }
}
