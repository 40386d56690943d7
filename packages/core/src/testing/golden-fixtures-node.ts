import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseGoldenCase, type GoldenCase, type GoldenFixtures, type GoldenManifest } from './golden-fixtures.js';

/** The PyTorch fixtures' folder inside @deeplens/core. */
export const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));

/** The fixtures from @deeplens/core's own folder (the suite's default in Node). */
export const nodeGoldenFixtures: GoldenFixtures = { ...folderFixtures(GOLDEN_DIR), variants: folderFixtures(fileURLToPath(new URL('../../fixtures/golden-variants/', import.meta.url))) };

function folderFixtures(dir: string): GoldenFixtures {
  return {
    manifest: async () => JSON.parse(await readFile(`${dir}manifest.json`, 'utf8')) as GoldenManifest,
    caseBytes: async (name) => new Uint8Array(await readFile(`${dir}${name}.safetensors`)),
  };
}

export function loadGoldenManifest(): GoldenManifest {
  return JSON.parse(readFileSync(`${GOLDEN_DIR}manifest.json`, 'utf8')) as GoldenManifest;
}

export function loadGoldenCase(name: string): GoldenCase {
  const file = `${GOLDEN_DIR}${name}.safetensors`;
  return parseGoldenCase(name, readFileSync(file), file);
}
