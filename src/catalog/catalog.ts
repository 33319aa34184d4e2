/**
 * The catalog: a MongoDB database next to the head that records syncs, slices and snapshots. It is an
 * index over what the stores hold (their object names are self-describing), so it can be rebuilt from
 * storage; every document read back is parsed, never trusted.
 */
import type { Db, MongoClient } from 'mongodb';
import { EventCatalog } from './events.js';
import { JobCatalog } from './jobs.js';
import { CatalogCollections } from './names.js';
import { RestoreLeaseCatalog } from './restore-leases.js';
import { RestoreCatalog } from './restores.js';
import { SliceCatalog } from './slices.js';
import { SnapshotCatalog } from './snapshots.js';
import { StoreLeaseCatalog } from './store-leases.js';
import { SyncCatalog } from './syncs.js';

export class Catalog {
  readonly db: Db;
  readonly slices: SliceCatalog;
  readonly syncs: SyncCatalog;
  readonly snapshots: SnapshotCatalog;
  readonly restoreLeases: RestoreLeaseCatalog;
  readonly storeLeases: StoreLeaseCatalog;
  readonly restores: RestoreCatalog;
  readonly jobs: JobCatalog;
  readonly events: EventCatalog;
  private indexed: Promise<void> | undefined;

  constructor(client: MongoClient, database: string) {
    this.db = client.db(database);
    this.slices = new SliceCatalog(
      this.db.collection(CatalogCollections.slices),
      this.db.collection(CatalogCollections.sliceLinks),
    );
    this.syncs = new SyncCatalog(
      this.db.collection(CatalogCollections.syncs),
      this.db.collection(CatalogCollections.missing),
    );
    this.snapshots = new SnapshotCatalog(this.db.collection(CatalogCollections.snapshots));
    this.restoreLeases = new RestoreLeaseCatalog(this.db.collection(CatalogCollections.restoreLeases));
    this.storeLeases = new StoreLeaseCatalog(this.db.collection(CatalogCollections.storeLeases));
    this.restores = new RestoreCatalog(this.db.collection(CatalogCollections.restores));
    this.jobs = new JobCatalog(this.db.collection(CatalogCollections.jobs));
    this.events = new EventCatalog(this.db.collection(CatalogCollections.events));
  }

  /** Creates the catalog's indexes once per process (idempotent on the server). */
  ensureIndexes(): Promise<void> {
    this.indexed ??= Promise.all([this.slices.ensureIndexes(), this.syncs.ensureIndexes()]).then(
      () => undefined,
    );
    return this.indexed;
  }
}
