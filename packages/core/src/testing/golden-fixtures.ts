import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, readSafetensorsFloat32 } from '../io/safetensors.js';
import { saeConfigFromSnakeCase, type SaeConfig } from '../sae/sae-config.js';

/** The PyTorch fixtures written by tools/golden/generate.py, shipped inside @deeplens/core. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));

export interface GoldenManifest {
  cases: string[];
  adam: { lr: number; betas: [number, number]; eps: number; weight_decay: number };
}

export interface GoldenCase {
  name: string;
  config: SaeConfig;
  tensors: Map<string, { data: Float32Array; shape: number[] }>;
  get(name: string): Float32Array;
  /** Names after a prefix such as 'param.' or 'grad.'. */
  names(prefix: string): string[];
}

export function loadGoldenManifest(): GoldenManifest {
  return JSON.parse(readFileSync(`${GOLDEN_DIR}manifest.json`, 'utf8')) as GoldenManifest;
}

export function loadGoldenCase(name: string): GoldenCase {
  const file = `${GOLDEN_DIR}${name}.safetensors`;
  const bytes = readFileSync(file);
  const header = parseSafetensors(bytes, file);
  const tensors = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [key, entry] of header.tensors) tensors.set(key, { data: readSafetensorsFloat32(bytes, header, key, file), shape: entry.shape });
  const config = saeConfigFromSnakeCase(JSON.parse(header.metadata['config']!) as Record<string, unknown>);
  return {
    name,
    config,
    tensors,
    get(key) {
      const t = tensors.get(key);
      if (!t) throw new Error(`golden case ${name} has no tensor ${key}`);
      return t.data;
    },
    names(prefix) {
      return [...tensors.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    },
  };
}
