import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { writeFileAtomic } from '@deeplens/core/node';

/**
 * Shared storage for run folders that every worker can reach: an s3:// prefix, or a directory on a
 * shared file system (NFS, a mounted volume). Names are relative to the root, with '/'.
 */
export interface RunStore {
  /** The root, as the user wrote it. */
  readonly root: string;
  /** Where `name` is, for messages and run records. */
  location(name: string): string;
  /** Copy a local file to `name`; readers see the old object or the whole new one, never a part. */
  putFile(name: string, file: string): Promise<void>;
  putText(name: string, text: string): Promise<void>;
  /** Copy `name` to a local file; false when it does not exist. */
  getFile(name: string, file: string): Promise<boolean>;
  getText(name: string): Promise<string | undefined>;
  /** The names under a prefix (recursively). */
  list(prefix: string): Promise<string[]>;
}

/** A directory (on a shared file system) as a run store; every write is a copy to a temporary name, then a rename. */
export function directoryRunStore(root: string): RunStore {
  const path = (name: string) => join(root, ...name.split('/'));
  return {
    root,
    location: path,
    async putFile(name, file) {
      const target = path(name);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
      await copyFile(file, temp);
      await rename(temp, target);
    },
    async putText(name, text) {
      await mkdir(dirname(path(name)), { recursive: true });
      await writeFileAtomic(path(name), text);
    },
    async getFile(name, file) {
      try {
        await copyFile(path(name), file);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
    },
    getText: (name) => readFile(path(name), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    }),
    async list(prefix) {
      const base = path(prefix);
      const out: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const full = join(dir, e.name);
          if (e.isDirectory()) await walk(full);
          else if (!/\.tmp-\d+-[0-9a-f]+$/.test(e.name)) out.push(relative(root, full).split(sep).join('/'));
        }
      };
      if (await stat(base).then((s) => s.isDirectory(), () => false)) await walk(base);
      return out.sort();
    },
  };
}

/** An s3:// prefix as a run store (multipart uploads that appear only when complete). */
export async function s3RunStore(root: string): Promise<RunStore> {
  const { S3Store, joinS3 } = await import('@deeplens/storage-s3');
  const store = new S3Store();
  const url = (name: string) => joinS3(root, name);
  const rootPrefix = `${root.replace(/\/+$/, '')}/`;
  return {
    root,
    location: url,
    putFile: (name, file) => store.putFile(url(name), file),
    putText: (name, text) => store.put(url(name), text),
    async getFile(name, file) {
      await mkdir(dirname(file), { recursive: true });
      return store.getFile(url(name), file);
    },
    async getText(name) {
      const bytes = await store.get(url(name));
      return bytes ? new TextDecoder().decode(bytes) : undefined;
    },
    async list(prefix) {
      return (await store.list(`${url(prefix)}/`)).map((u) => u.slice(rootPrefix.length)).sort();
    },
  };
}

/** The run store a root names: s3://… or a directory. */
export function openRunStore(root: string): Promise<RunStore> {
  return root.startsWith('s3://') ? s3RunStore(root) : Promise.resolve(directoryRunStore(root));
}

/** Remove a local folder and make it again, empty. */
export async function freshDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}
