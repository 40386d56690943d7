/**
 * How the loader finds and loads the optional engine packages. The default resolves and imports
 * for real; tests inject a host with fake packages (not installed, unbuilt addon, a failing load,
 * a working fake) so every path of the loader runs without the 226 MB accelerators.
 */
export interface ModuleHost {
  /** Folder of an installed package, or null when it is not installed (resolve only: nothing is loaded). */
  packageDir(specifier: string): Promise<string | null>;
  /** Names of the entries of a folder (empty when it does not exist). */
  list(dir: string): Promise<string[]>;
  /** The package's version from its package.json, if readable. */
  version(specifier: string): Promise<string | null>;
  /** Load a module (its side effects register tfjs engines). */
  import(specifier: string): Promise<unknown>;
}

const isNode = typeof globalThis.process?.versions?.node === 'string';

/**
 * A Node built-in, loaded only when running in Node. The specifier is built at run time so browser
 * bundlers (esbuild, webpack, Vite) see no `node:` import to resolve: this file bundles for the web.
 */
function nodeBuiltin<T>(name: 'module' | 'path' | 'fs/promises'): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** Resolve from this package's folder (where the optional peers are linked), through Node's resolver. */
export const defaultModuleHost: ModuleHost = {
  async packageDir(specifier) {
    if (!isNode) return null;
    const { createRequire } = await nodeBuiltin<typeof import('node:module')>('module');
    const { dirname } = await nodeBuiltin<typeof import('node:path')>('path');
    try {
      return dirname(createRequire(import.meta.url).resolve(`${specifier}/package.json`));
    } catch {
      return null;
    }
  },
  async list(dir) {
    if (!isNode) return [];
    const { readdir } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    try {
      return await readdir(dir);
    } catch {
      return [];
    }
  },
  async version(specifier) {
    const dir = await this.packageDir(specifier);
    if (!dir) return null;
    const { readFile } = await nodeBuiltin<typeof import('node:fs/promises')>('fs/promises');
    try {
      return (JSON.parse(await readFile(`${dir}/package.json`, 'utf8')) as { version?: string }).version ?? null;
    } catch {
      return null;
    }
  },
  import: (specifier) => import(/* @vite-ignore */ specifier),
};
