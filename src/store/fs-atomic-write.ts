/**
 * Crash-safe file writes for the fs store (PBM's writeSync, restic's local backend): write a temporary
 * file in the target directory, fsync it, rename it over the target, fsync the directory. A reader, or
 * a restart after a crash, sees the old file or the whole new one, never a torn write.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** fsyncs a directory so that entries created or renamed in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `mkdir -p`, then fsyncs the parent of every directory it created so the new entries are durable. */
export async function makeDirectoryDurably(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    await syncDirectory(dirname(d));
    if (d === first) return;
  }
}

/**
 * Writes `target` atomically: `write` fills a fresh temporary file (a hidden name in the same directory,
 * so the rename never crosses a filesystem); on any failure the temporary file is removed and `target`
 * is untouched.
 */
export async function writeFileAtomically(
  target: string,
  write: (file: FileHandle) => Promise<void>,
): Promise<void> {
  const dir = dirname(target);
  await makeDirectoryDurably(dir);
  const temp = `${dir}/.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx');
  try {
    await write(file);
    await file.sync();
    await file.close();
    await rename(temp, target);
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}
