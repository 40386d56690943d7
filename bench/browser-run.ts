/**
 * `pnpm bench:browser`: the docs site's benchmark page (/bench.html) in headless Chromium — every
 * browser backend's encoder-matmul GFLOP/s and SAE training-step tokens/s, with the WebGL renderer
 * string and this machine's CPU. Writes bench/browser-results.json and bench/browser-results.md.
 * Not a test: nothing here asserts. On a machine without a GPU, WebGL and WebGPU run on SwiftShader
 * (the CPU), so these numbers compare commits, not GPUs.
 *
 *   pnpm bench:browser [--backends gpujs,tfjs,cpu]
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { BrowserBenchResult } from '../apps/docs/bench/browser-bench.js';
import { CHROMIUM, startPreview } from '../apps/docs/tests/preview-server.js';
import { blasLibrary, machineDetails } from './machine.js';

const { values } = parseArgs({ options: { backends: { type: 'string' } } });
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

const server = await startPreview();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
let result: BrowserBenchResult | undefined;
try {
  // One page load per backend, as `pnpm bench` runs each measurement in its own process: tfjs's
  // engine is global to a page, and a backend's leftovers cannot slow the next one.
  const names = values.backends?.split(',') ?? ['gpujs', 'tfjs', 'tfjs-webgpu', 'tfjs-wasm', 'cpu'];
  for (const name of names) {
    console.error(`measuring ${name} …`);
    const page = await browser.newPage();
    page.on('console', (m) => void (m.type() === 'error' && console.error(`page: ${m.text()}`)));
    await page.goto(`${server.url}/bench.html?autorun=1&backends=${name}`);
    await page.waitForFunction(() => document.body.dataset['result'] ?? document.body.dataset['error'], undefined, { timeout: 1_200_000 });
    const error = await page.evaluate(() => document.body.dataset['error']);
    if (error) throw new Error(`the benchmark page failed on ${name}: ${error}`);
    const one = JSON.parse((await page.evaluate(() => document.body.dataset['result']))!) as BrowserBenchResult;
    result = result ? { ...result, rows: [...result.rows, ...one.rows] } : one;
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (!result) throw new Error('no backend was measured');

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), ...machineDetails(blasLibrary()), date: new Date().toISOString() };
writeFileSync(here('./browser-results.json'), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
const c = result.config;
const lines = [
  '# Browser benchmark results', '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; SIMD: ${machine.simd.join(', ') || 'unknown'}; ${machine.date}.`,
  `Browser: ${result.userAgent}; WebGL renderer: ${result.webglRenderer}.`,
  `Configuration: TopK SAE ${c.d} → ${c.F}, k = ${c.k}, batch ${c.batch}; encoder matmul [${c.encoderRows}, ${c.d}] · [${c.d}, ${c.F}]. Each backend measured in its own page load (one warm-up step, then 3 timed).`,
  /SwiftShader/i.test(result.webglRenderer) ? 'WebGL here is SwiftShader, a software renderer on the CPU: compare these numbers between commits, not with a GPU.' : '',
  '',
  '| backend | encoder matmul GFLOP/s | SAE step tokens/s | how it ran |',
  '|---|---|---|---|',
  ...result.rows.map((r) => `| ${r.backend} | ${r.matmulGflops?.toFixed(2) ?? '—'} | ${r.tokensPerSec ? Math.round(r.tokensPerSec) : '—'} | ${(r.skipped ? `not measured: ${r.skipped}` : r.detail ?? '').replace(/\|/g, '\\|')} |`),
];
writeFileSync(here('./browser-results.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
