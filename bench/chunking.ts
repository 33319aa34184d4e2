/**
 * Benchmark of the FastCDC chunker on one core: document-like BSON (compressible, like real collections)
 * cut into chunks with the default sizes (~1 MiB average). Only the chunking is timed, not the generation
 * of the data. Run directly with `npx tsx bench/chunking.ts [--bytes N]` to print the figures.
 */
import { pathToFileURL } from 'node:url';
import { Chunker } from '../src/chunk/chunker.js';
import { documentLikeBytes } from '../test/chunk/document-like.js';

export interface ChunkingFigures {
  mbPerSec: number;
  chunks: number;
  avgChunkBytes: number;
}

/** Pushes `data` in document-sized pieces, as a snapshot would; returns the number of chunks. */
function chunkAll(data: Buffer, pieceBytes: number): number {
  const chunker = new Chunker();
  let chunks = 0;
  for (let at = 0; at < data.length; at += pieceBytes)
    chunks += chunker.push(data.subarray(at, at + pieceBytes)).length;
  return chunks + chunker.finish().length;
}

export async function benchChunking(opts: { bytes: number }): Promise<ChunkingFigures> {
  const data = documentLikeBytes(opts.bytes, 42);
  chunkAll(data.subarray(0, Math.min(data.length, 16 * 1024 * 1024)), 64 * 1024); // let the JIT settle
  const started = process.hrtime.bigint();
  const chunks = chunkAll(data, 64 * 1024);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    mbPerSec: Math.round(data.length / 1e6 / seconds),
    chunks,
    avgChunkBytes: chunks === 0 ? 0 : Math.round(data.length / chunks),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--bytes');
  const bytes = at > 0 ? Number(process.argv[at + 1]) : 256 * 1024 * 1024;
  const figures = await benchChunking({ bytes });
  console.log(
    `chunked ${(bytes / 1024 / 1024).toFixed(0)} MiB on one core: ${figures.mbPerSec} MB/s, ` +
      `${figures.chunks} chunks, average ${(figures.avgChunkBytes / 1024).toFixed(0)} KiB`,
  );
  console.log(JSON.stringify(figures));
}
