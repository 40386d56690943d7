import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputPathError } from '../errors.js';

/** What each operating-system error means for a path we write, and what the user can do. */
const REASONS: Readonly<Record<string, { message: string; hint: string }>> = {
  EACCES: { message: 'permission denied', hint: 'choose a folder you can write to (e.g. --out ./saved_models) or fix its permissions' },
  EPERM: { message: 'not permitted (a system or special folder?)', hint: 'choose an ordinary folder you can write to, e.g. --out ./saved_models' },
  EROFS: { message: 'is on a read-only file system', hint: 'choose a folder on a writable disk, e.g. --out ./saved_models' },
  ENOTDIR: { message: 'a part of the path is a file, not a folder', hint: 'choose another --out folder, or move the file out of the way' },
  EEXIST: { message: 'exists and is not a folder', hint: 'choose another --out folder, or move the file out of the way' },
  EISDIR: { message: 'is a folder where a file was to be written', hint: 'remove or rename the folder' },
  ENOSPC: { message: 'no space left on the device', hint: 'free disk space or choose a folder on another disk; the last complete checkpoint is intact (continue with --resume)' },
  EDQUOT: { message: 'disk quota exceeded', hint: 'free space within your quota or choose a folder on another disk; the last complete checkpoint is intact' },
  ENOENT: { message: 'cannot be created (the folder above it cannot hold new entries)', hint: 'choose an ordinary folder you can write to, e.g. --out ./saved_models' },
  EMFILE: { message: 'too many open files', hint: 'raise the open-file limit (ulimit -n)' },
};

/**
 * Turn a file-system error from writing `path` into an OutputPathError (a user error that names
 * the path and what to do). Errors that are not the file system's are returned unchanged.
 */
export function toOutputPathError(error: unknown, path: string, action = 'cannot be written'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof OutputPathError || typeof code !== 'string') return error;
  const reason = REASONS[code];
  if (!reason) return new OutputPathError(path, `${action}: ${code} (${(error as Error).message})`, { cause: error, osCode: code, hint: 'check the path and the disk' });
  return new OutputPathError(path, `${action}: ${reason.message}`, { cause: error, osCode: code, hint: reason.hint });
}

/**
 * Create a folder and the folders above it, one level at a time. Node's recursive mkdir spins
 * forever on paths under /proc; this walks up to the first folder that exists and creates each
 * level below it, so every failure is reported as an OutputPathError naming the path.
 */
export async function ensureDir(path: string): Promise<string[]> {
  const missing: string[] = [];
  let p = resolve(path);
  for (;;) {
    const s = await stat(p).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw toOutputPathError(error, path, 'cannot be used as a folder');
    });
    if (s) {
      if (!s.isDirectory()) throw toOutputPathError(Object.assign(new Error('not a directory'), { code: missing.length ? 'ENOTDIR' : 'EEXIST' }), path, 'cannot be used as a folder');
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  const created: string[] = [];
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
      created.push(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(dir)).isDirectory()) continue;
      throw toOutputPathError(error, path, 'cannot be created');
    }
  }
  return created;
}
