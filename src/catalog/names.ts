// Collection names of the catalog database, in one place (PBM's defs.go).
export const CatalogCollections = {
  jobs: 'jobs',
  syncs: 'syncs',
  slices: 'slices',
  /** One per oplog slice, keyed by its chain position: what makes two captures of one chain exclusive (src/catalog/slices.ts). */
  sliceLinks: 'slice_links',
  missing: 'missing',
  snapshots: 'snapshots',
  events: 'events',
  /** Writers and sweepers of snapshot stores (src/catalog/store-leases.ts, protocol in src/groom/store-leases.ts). */
  storeLeases: 'store_leases',
  /** Restores in progress, which groom must not pull storage from under (src/catalog/restore-leases.ts). */
  restoreLeases: 'restore_leases',
  /** Restores and how they ended (src/catalog/restores.ts). */
  restores: 'restores',
} as const;
