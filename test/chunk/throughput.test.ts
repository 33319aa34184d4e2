import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchChunking } from '../../bench/chunking.js';

describe('chunking throughput', () => {
  it('chunks document-like data far faster than a disk or network delivers it', async () => {
    const figures = await benchChunking({ bytes: 32 * 1024 * 1024 });
    // 300 MB/s is the target on an idle core; the floor here leaves room for a loaded CI machine.
    assert.ok(figures.mbPerSec >= 60, `chunking ran at ${figures.mbPerSec} MB/s`);
    assert.ok(figures.chunks >= 16 && figures.chunks <= 40, `${figures.chunks} chunks of 32 MiB`);
    assert.ok(figures.avgChunkBytes > 768 * 1024 && figures.avgChunkBytes < 2 * 1024 * 1024);
  });
});
