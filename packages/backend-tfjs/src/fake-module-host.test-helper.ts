import type { ModuleHost } from './module-host.js';

/** One fake package: where it is, what its folders hold, and what importing it does. */
export interface FakePackage {
  dir?: string;
  version?: string;
  /** Folder → entries (e.g. `${dir}/lib` → ['napi-v8']). */
  files?: Record<string, string[]>;
  load?: () => Promise<void> | void;
}

/** A ModuleHost over fake packages; absent packages behave as Node's resolver/importer does. */
export function fakeModuleHost(packages: Record<string, FakePackage>): ModuleHost & { imported: string[] } {
  const imported: string[] = [];
  return {
    imported,
    async packageDir(specifier) {
      return packages[specifier]?.dir ?? null;
    },
    async list(dir) {
      for (const p of Object.values(packages)) if (p.files?.[dir]) return p.files[dir]!;
      return [];
    },
    async version(specifier) {
      return packages[specifier]?.version ?? null;
    },
    async import(specifier) {
      imported.push(specifier);
      const p = packages[specifier];
      if (!p?.load) throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/@deeplens/backend-tfjs/dist/module-host.js`), { code: 'ERR_MODULE_NOT_FOUND' });
      await p.load();
      return {};
    },
  };
}

/** A built tfjs-node(-gpu) install: package folder with lib/napi-v8/tfjs_binding.node. */
export function builtPackage(name: string, load: FakePackage['load'], version = '4.22.0'): FakePackage {
  const dir = `/app/node_modules/${name}`;
  return { dir, version, files: { [`${dir}/lib`]: ['napi-v8'], [`${dir}/lib/napi-v8`]: ['tfjs_binding.node'] }, ...(load ? { load } : {}) };
}
