/**
 * One writer per chain position, on the real catalog and a real store: a capture attempt that Temporal
 * timed out while its process ran on, and its retry, both extend a chain from the same place; only the
 * first slice recorded there stays, the other attempt is told the chain moved, and a claim whose writer
 * died before recording it is completed by the next writer that finds it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Timestamp } from 'mongodb';
import { SliceCatalog, type SliceRecord } from '../../src/catalog/slices.js';
import { CatalogCollections } from '../../src/catalog/names.js';
import { SliceChainMoved } from '../../src/errors/domain-errors.js';
import { encode } from '../../src/lib/bson.js';
import { slicePrefix } from '../../src/slice/slice-key.js';
import { SliceStore } from '../../src/slice/slice-store.js';
import { newJobId } from '../snapshot/fixtures.js';
import { useSliceStore } from './slice-fixture.js';

const ts = (t: number) => new Timestamp({ t, i: 1 });

/** Entries (from, to] one second apart, as a slice of the capture would hold them. */
function slice(from: number, to: number) {
  const entries: Uint8Array[] = [];
  for (let t = from + 1; t <= to; t++) entries.push(encode({ op: 'i', ns: 'app.c', ts: ts(t), o: { _id: t } }));
  return { entries, walls: [], firstTs: ts(from + 1), lastTs: ts(to), prevTs: ts(from) };
}

describe('a chain of oplog slices takes one slice per position', () => {
  const { cat, fs, slices } = useSliceStore();

  it('refuses a second slice from one position, and takes the same slice again', async () => {
    const jobId = newJobId('cl');
    const ref = { jobId, sliceStore: 'fs', syncNumber: 1 };
    await slices().writeOplogSlice(ref, slice(100, 110));
    await assert.rejects(
      slices().writeOplogSlice(ref, slice(100, 115)),
      (e) => e instanceof SliceChainMoved && e.retryable && /already follows/.test(e.message),
    );
    await slices().writeOplogSlice(ref, slice(100, 110)); // a retried record of the winner
    await slices().writeOplogSlice(ref, slice(110, 120));
    const chain = await cat().catalog.slices.oplog({ jobId, syncNumber: 1 });
    assert.deepEqual(chain.map((s) => [s.prevTs!.high, s.lastTs!.high]), [[100, 110], [110, 120]]);
    const stored: string[] = [];
    for await (const o of fs().store.list(slicePrefix(jobId, { syncNumber: 1 }))) stored.push(o.key);
    assert.deepEqual(stored.sort(), chain.map((s) => s._id).sort(), "the refused slice's object was removed");
    assert.equal((await cat().catalog.slices.chainEnd({ jobId, syncNumber: 1 }))?.high, 120);
    // Another chain of the job is not affected by this one's positions.
    await slices().writeOplogSlice({ ...ref, syncNumber: 2 }, slice(100, 115));
    assert.equal((await cat().catalog.slices.chainEnd({ jobId, syncNumber: 2 }))?.high, 115);
  });

  it('completes a claim whose writer died between claiming and recording', async () => {
    const jobId = newJobId('cl');
    const ref = { jobId, sliceStore: 'fs', syncNumber: 1 };
    const links = cat().catalog.db.collection<{ _id: string; slice: SliceRecord }>(CatalogCollections.sliceLinks);
    /** The catalog of a process that dies right after its claim. */
    class DiesAfterClaim extends SliceCatalog {
      override async record(): Promise<void> {
        throw new Error('SIGKILL');
      }
    }
    const dying = new DiesAfterClaim(cat().catalog.db.collection(CatalogCollections.slices), links);
    await assert.rejects(new SliceStore(() => fs().store, dying).writeOplogSlice(ref, slice(200, 210)), /SIGKILL/);
    assert.equal((await cat().catalog.slices.oplog({ jobId, syncNumber: 1 })).length, 0, 'claimed, not recorded');

    await assert.rejects(slices().writeOplogSlice(ref, slice(200, 205)), SliceChainMoved);
    const [rec] = await cat().catalog.slices.oplog({ jobId, syncNumber: 1 });
    assert.equal(rec?.lastTs?.high, 210, "the dead writer's slice is recorded by the one that found its claim");
    assert.equal((await slices().read(rec)).length, 10);

    await cat().catalog.slices.delete(rec._id);
    assert.equal(await links.countDocuments({ 'slice._id': rec._id }), 0, 'a deleted slice leaves no link');
  });
});
