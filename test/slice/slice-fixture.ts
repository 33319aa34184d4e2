/**
 * Test setup for oplog slices: the head and a catalog of their own (`useTestCatalog`), an empty fs store,
 * and a `SliceStore` writing into that store and recording in that catalog, for one describe block.
 */
import { after, before } from 'node:test';
import { SliceStore } from '../../src/slice/slice-store.js';
import { makeStore, useTestCatalog, type TestStore } from '../snapshot/fixtures.js';

/** The head, a catalog, an fs store and a slice store over both: made before the block's tests, removed after. */
export function useSliceStore(): ReturnType<typeof useTestCatalog> & {
  fs: () => TestStore;
  slices: () => SliceStore;
} {
  const suite = useTestCatalog();
  let fs: TestStore | undefined;
  let slices: SliceStore | undefined;
  before(async () => {
    fs = await makeStore('fs', suite.head());
    slices = new SliceStore(() => fs!.store, suite.cat().catalog.slices);
  });
  after(async () => {
    await fs?.cleanup();
  });
  return { ...suite, fs: () => fs!, slices: () => slices! };
}
