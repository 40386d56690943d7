import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, DOCS_ROOT, startPreview } from './preview-server.js';

const ARTIFACTS = join(DOCS_ROOT, 'test-artifacts');
const REPO = join(DOCS_ROOT, '../..');
const CLI = join(REPO, 'packages/cli/dist/deeplens.mjs');
const DEMO = join(REPO, 'data/demo/stories260K-layer3-mlp-hidden-2048.npy');
const STEPS = 100;

interface Result { backend: string; detail: string; steps: number; firstLoss: number; lastLoss: number; fvu: number }

let server: Awaited<ReturnType<typeof startPreview>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startPreview();
  // SwiftShader gives headless Chromium WebGL2 (and WebGPU with the flag) without a GPU.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/** Open the built playground with the autorun contract and wait for its result, collecting console errors. */
async function autorun(backend: string): Promise<{ page: Page; result: Result; errors: string[] }> {
  const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 1600 } });
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(e.message));
  await page.goto(`${server.url}/playground.html?autorun=1&backend=${backend}&steps=${STEPS}`);
  await page.waitForFunction(() => document.body.dataset['result'] ?? document.body.dataset['error'], undefined, { timeout: 240_000 });
  await page.screenshot({ path: join(ARTIFACTS, `playground-${backend}.png`), fullPage: true });
  const error = await page.evaluate(() => document.body.dataset['error']);
  expect(error, `${backend}: the page reported an error`).toBeUndefined();
  const result = JSON.parse((await page.evaluate(() => document.body.dataset['result']))!) as Result;
  return { page, result, errors };
}

describe('the playground in headless Chromium (the built site, ?autorun=1)', () => {
  for (const [backend, detail] of [['gpujs', /webgl2/], ['tfjs', /webgl/], ['cpu', /cpu|reference/]] as const) {
    it(`${backend}: ${STEPS} demo steps, the loss falls, no console errors, a screenshot`, async () => {
      const { page, result, errors } = await autorun(backend);
      expect(result.backend).toBe(backend);
      expect(result.detail).toMatch(detail);
      expect(result.steps).toBe(STEPS);
      expect(result.lastLoss).toBeLessThan(result.firstLoss * 0.8);
      expect(result.fvu).toBeGreaterThan(0);
      expect(result.fvu).toBeLessThan(0.85);
      expect(errors).toEqual([]);
      // The chart and the console lines are on the page too.
      expect(await page.locator('.uplot').count()).toBe(2);
      expect(await page.locator('[data-pg="log"]').textContent()).toMatch(/loss/);
      await page.close();
    }, 300_000);
  }

  it('the model downloaded from the page loads with `deeplens eval` (the built CLI) and gives the page\'s FVU', async () => {
    const { page, result } = await autorun('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'deeplens-playground-'));
    try {
      for (const name of ['best_model.safetensors', 'config.json']) {
        const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-pg="download-${name}"]`)]);
        expect(download.suggestedFilename()).toBe(name);
        await download.saveAs(join(dir, name));
      }
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(config).toMatchObject({ input_dims: 172, n_features: 688, k: 16, backend: 'cpu' });
      const out = execFileSync(process.execPath, [CLI, 'eval', '--checkpoint', dir, '--activations', DEMO, '--json', '--backend', 'cpu'], { encoding: 'utf8' });
      const metrics = JSON.parse(out) as { fvu: number; l0: number };
      expect(metrics.l0).toBeGreaterThan(15);
      expect(metrics.l0).toBeLessThanOrEqual(16);
      expect(metrics.fvu).toBeGreaterThan(0);
      expect(metrics.fvu).toBeLessThan(0.85);
      // The page evaluated the same model on its eval split (20% of the rows); the CLI on all rows.
      expect(Math.abs(metrics.fvu - result.fvu)).toBeLessThan(0.15);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await page.close();
    }
  }, 300_000);

  it('by hand: choose a .pt file (a dict, read with its key), edit the config, Train, watch, Stop, download', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => void errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await page.goto(`${server.url}/playground.html`);
    await page.waitForFunction(() => /rows ×/.test(document.querySelector('[data-pg="data-shape"]')?.textContent ?? ''));
    expect(await page.textContent('[data-pg="data-shape"]')).toMatch(/^2048 rows × 172/);
    // small-config.yaml of the CLI's fixtures: 32 → 128 latents, k = 8, data.key: acts.
    await page.fill('[data-pg="config"]', readFileSync(join(REPO, 'packages/cli/fixtures/small-config.yaml'), 'utf8').replace('epochs: 10', 'epochs: 400'));
    await page.setInputFiles('[data-pg="file"]', join(REPO, 'packages/cli/fixtures/small-acts.pt'));
    await page.waitForFunction(() => document.querySelector('[data-pg="data-name"]')?.textContent === 'small-acts.pt' && /rows ×/.test(document.querySelector('[data-pg="data-shape"]')?.textContent ?? ''));
    expect(await page.textContent('[data-pg="data-shape"]')).toMatch(/ × 32 /);
    await page.selectOption('[data-pg="backend"]', 'cpu');
    await page.click('[data-pg="train"]');
    await page.waitForFunction(() => Number((document.querySelector('[data-pg="progress"]') as HTMLProgressElement).value) >= 20);
    expect(await page.isDisabled('[data-pg="train"]')).toBe(true);
    await page.click('[data-pg="stop"]');
    await page.waitForFunction(() => /^stopped after \d+ steps · FVU/.test(document.querySelector('[data-pg="status"]')?.textContent ?? ''), undefined, { timeout: 60_000 });
    expect(await page.textContent('[data-pg="log"]')).toMatch(/Model: 32 → 128 features/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-pg="download-best_model.safetensors"]')]);
    const dir = mkdtempSync(join(tmpdir(), 'deeplens-playground-pt-'));
    try {
      await download.saveAs(join(dir, 'best_model.safetensors'));
      const out = execFileSync(process.execPath, [CLI, 'eval', '--checkpoint', join(dir, 'best_model.safetensors'), '--activations', join(REPO, 'packages/cli/fixtures/small-acts.pt'), '--key', 'acts', '--json', '--backend', 'cpu'], { encoding: 'utf8' });
      expect((JSON.parse(out) as { l0: number }).l0).toBeLessThanOrEqual(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-by-hand.png'), fullPage: true });
    await page.close();
  }, 300_000);

  it('a backend the page does not have sets dataset.error with the message', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/playground.html?autorun=1&backend=nope&steps=5`);
    await page.waitForFunction(() => document.body.dataset['error'], undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset['error'])).toMatch(/unknown backend 'nope'.*gpujs, tfjs/);
    await page.close();
  }, 120_000);
});
