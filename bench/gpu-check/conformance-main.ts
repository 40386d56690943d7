/**
 * The backend conformance suite outside vitest (bundled with vitest-shim.ts in place of vitest):
 *   node conformance.mjs --engine webgpu [--out result.json]
 * Runs the shared suite on one tfjs engine and prints each test; exit code 1 when any failed.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeEngineChoice, loadEngine, tfjsBackendPlugin, type TfjsEngine } from '@deeplens/backend-tfjs';
import { describeBackendConformance, type GoldenFixtures } from '@deeplens/core/testing';
import { readFileSync } from 'node:fs';
import { runSuites } from 'vitest';

const { values } = parseArgs({ options: { engine: { type: 'string', default: 'webgpu' }, out: { type: 'string' }, golden: { type: 'string' } } });
const engine = values.engine as TfjsEngine;
// Which engine and device this is (the suite itself then creates its backends on it).
console.log(`engine: ${describeEngineChoice(await loadEngine(engine))}`);
const golden = values.golden ? { goldenFixtures: fileGoldenFixtures(values.golden) } : {};
describeBackendConformance(tfjsBackendPlugin, { createOptions: { engine }, ...golden });
const t0 = performance.now();
const summary = await (runSuites as unknown as () => Promise<{ passed: number; failed: Array<{ name: string; error: string }>; skipped: Array<{ name: string; reason: string }> }>)();
const seconds = (performance.now() - t0) / 1000;
console.log(`conformance on tfjs ${engine}: ${summary.passed} passed, ${summary.failed.length} failed, ${summary.skipped.length} skipped in ${seconds.toFixed(1)} s`);
if (values.out) writeFileSync(values.out, `${JSON.stringify({ engine, seconds, ...summary }, null, 2)}\n`);
process.exit(summary.failed.length ? 1 : 0);

/** The golden fixtures from a folder next to the bundle (the bundle has no @deeplens/core folder to read). */
function fileGoldenFixtures(dir: string): GoldenFixtures {
  return {
    manifest: async () => JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')),
    caseBytes: async (name: string) => new Uint8Array(readFileSync(`${dir}/${name}.safetensors`)),
  };
}
