import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensureDir, toOutputPathError } from './output-path.js';

/** `<target>.tmp-<pid>-<8 hex>`: the writer's process id lets a later run tell dead writers' files from live ones. */
const TEMP_FILE = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * Write a file so that readers see either the old or the complete new content, never a torn one:
 * write a temp file in the same folder, fsync it, then rename over the target. File-system
 * failures (read-only, no space, not a folder) become an OutputPathError naming the path.
 */
export async function writeFileAtomic(path: string, chunks: Uint8Array | string | readonly (Uint8Array | string)[]): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(tmp, 'w');
    try {
      for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw toOutputPathError(error, path);
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the temp files that writeFileAtomic left in `dir` when its process was killed mid-write
 * (their writer is no longer running). Files of live writers are kept. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => {
    const m = TEMP_FILE.exec(n);
    return m !== null && !isAlive(Number(m[1]));
  });
  await Promise.all(stale.map((n) => rm(join(dir, basename(n)), { force: true })));
  return stale;
}
