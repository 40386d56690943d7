import { parseSafetensors, readSafetensorsFloat32 } from '../io/safetensors.js';
import { saeConfigFromSnakeCase, type SaeConfig } from '../sae/sae-config.js';

/**
 * The PyTorch fixtures written by tools/golden/generate.py (shipped in @deeplens/core's
 * `fixtures/golden/`), loaded from wherever the suite runs: files in Node
 * (`nodeGoldenFixtures` from `@deeplens/core/testing/node`), a URL in a browser (`fetchGoldenFixtures`).
 */
export interface GoldenFixtures {
  manifest(): Promise<GoldenManifest>;
  /** The bytes of one case's safetensors file. */
  caseBytes(name: string): Promise<Uint8Array>;
  /** The architectures beyond DeepLens (tools/golden/variants.py), from the sibling `golden-variants/` folder. */
  variants?: GoldenFixtures;
}

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

/** One case from its safetensors bytes (`file` names it in errors). */
export function parseGoldenCase(name: string, bytes: Uint8Array, file = `${name}.safetensors`): GoldenCase {
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

/** The fixtures over HTTP (browsers, workers): `baseUrl` is the folder holding manifest.json. */
export function fetchGoldenFixtures(baseUrl: string | URL, withVariants = true): GoldenFixtures {
  const here = (globalThis as { location?: { href: string } }).location?.href;
  const base = new URL(String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`, here);
  const get = async (file: string) => {
    const response = await fetch(new URL(file, base));
    if (!response.ok) throw new Error(`golden fixture ${new URL(file, base).href}: HTTP ${response.status}`);
    return response;
  };
  return {
    manifest: async () => (await (await get('manifest.json')).json()) as GoldenManifest,
    caseBytes: async (name) => new Uint8Array(await (await get(`${name}.safetensors`)).arrayBuffer()),
    ...(withVariants ? { variants: fetchGoldenFixtures(new URL('../golden-variants/', base), false) } : {}),
  };
}
