import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CpuBackend, SparseAutoencoder } from '@deeplens/core';
import { readModelFile } from '@deeplens/core/node';
import { extractActivations, loadLlama2c, sampledDocuments } from '@deeplens/extract/node';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatureReport } from './build-report.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/lib/chromium/chromium';
const fixture = (p: string) => fileURLToPath(new URL(`../../../extract/fixtures/${p}`, import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let dir: string;
let browser: Browser;
let index: string;
let alive: number;

/** A real report: stories260K's layer-3 MLP activations on 12 stories it samples, and the golden TopK SAE trained on that site. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'report-e2e-'));
  const adapter = await loadLlama2c(fixture('stories260K.bin'), fixture('tok512.bin'));
  const site = { site: 'mlp_hidden', layer: 3 };
  await extractActivations({ adapter, site, documents: sampledDocuments(adapter, { count: 12, steps: 200, seed: 11 }), out: join(dir, 'acts'), model: { name: adapter.name, files: {} } });
  const file = await readModelFile(fixture('golden-llama2c/topk/model.safetensors'));
  const sae = SparseAutoencoder.fromArrays({ backend: new CpuBackend(), config: file.config, params: file.params });
  const inModel = { model: adapter.name, site: 'mlp_hidden', layer: 3, tokens: 100, ce_clean: 1.2, zero_ablation: { ce: 1.8, kl: 0.5 }, mean_ablation: { ce: 1.7, kl: 0.4 }, saes: [{ name: 'topk', ce: 1.5, delta_loss: 0.3, ce_loss_recovered: 0.5, ce_loss_recovered_mean_ablation: 0.4, kl: 0.2 }] };
  const r = await buildFeatureReport({ sae, ...(file.normStats ? { normStats: file.normStats } : {}), activations: join(dir, 'acts'), out: join(dir, 'report'), adapter, inModel, title: 'stories260K golden TopK' });
  index = r.index;
  alive = Array.from(r.stats.count).filter((c) => c > 0).length;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the feature report in Chromium (opened from disk)', () => {
  it('renders the overview plots and feature cards with highlighted contexts, without console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    await page.goto(pathToFileURL(index).href);
    await page.waitForSelector('body[data-rendered="1"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-plot] svg .mark-rect path, [data-plot] svg .mark-rect, [data-plot] svg .mark-line path').length > 0);
    // Overview: density and L0 histograms drew bars; the in-model table is there.
    for (const id of ['plot-density', 'plot-l0hist']) {
      expect(await page.locator(`#${id} svg .mark-rect path`).count(), id).toBeGreaterThan(0);
    }
    expect(await page.locator('#in-model td').first().textContent()).toBe('topk');
    await page.screenshot({ path: join(ARTIFACTS, 'feature-report-overview.png'), fullPage: false });
    // Cards, densest first: each alive one has a histogram and 20 contexts whose centre token is highlighted.
    const cards = page.locator('.card');
    expect(await cards.count()).toBe(Math.min(12, alive));
    const first = cards.first();
    expect(await first.locator('.ctx').count()).toBeGreaterThanOrEqual(20);
    const centre = first.locator('.ctx .tok.center').first();
    expect(await centre.getAttribute('style')).toMatch(/background: rgba\(255, 110, 0, (0\.[1-9]|1\.0)/);
    expect(await centre.getAttribute('title')).toMatch(/^activation \d/);
    await first.locator('[data-plot] svg').first().waitFor();
    expect(await first.locator('.logits li').count()).toBe(20);
    // Sorting by max activation and jumping to a feature by id load other chunks of the data.
    await page.selectOption('#sort', 'max');
    await page.waitForSelector('body[data-rendered="2"]');
    await page.fill('#search', '300');
    await page.dispatchEvent('#search', 'change');
    await page.waitForSelector('#feature-300');
    await page.screenshot({ path: join(ARTIFACTS, 'feature-report-card.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });
});
