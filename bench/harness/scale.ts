/**
 * The three benchmark scales and what each one means for every suite, so that a figure quoted with its
 * scale can be reproduced. `small` finishes in about a minute per suite; quoted figures use medium or large.
 */
export const SCALES = ['small', 'medium', 'large'] as const;
export type Scale = (typeof SCALES)[number];

export interface ScaleSpec {
  /** Bytes of BSON generated into the source for the initial-sync suite. */
  datasetBytes: number;
  /** Steady write load for the oplog suite: operations per second, for this many seconds. */
  opsPerSec: number;
  loadSeconds: number;
  /** Documents already in the oplog suite's collections before the load starts. */
  oplogBaseDocs: number;
}

const MB = 1024 * 1024;

export const SCALE_SPECS: Record<Scale, ScaleSpec> = {
  small: { datasetBytes: 20 * MB, opsPerSec: 500, loadSeconds: 20, oplogBaseDocs: 5_000 },
  medium: { datasetBytes: 250 * MB, opsPerSec: 2_000, loadSeconds: 60, oplogBaseDocs: 20_000 },
  large: { datasetBytes: 1024 * MB, opsPerSec: 2_000, loadSeconds: 180, oplogBaseDocs: 50_000 },
};

export function isScale(s: string): s is Scale {
  return (SCALES as readonly string[]).includes(s);
}
