import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startPreview } from './preview-server.js';

let server: Awaited<ReturnType<typeof startPreview>>;
let browser: Browser;

beforeAll(async () => {
  server = await startPreview();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

/**
 * Crawl the built site from its home page in Chromium, following every link on every page (the
 * navigation bar, the sidebars, the pages' own links): every page loads with status 200 and no
 * console error, and every link points at a page, file or heading that exists.
 */
describe('the built documentation site', () => {
  it('every page reachable from the home page loads without errors, and no link is broken', async () => {
    const origin = new URL(server.url).origin;
    const page = await browser.newPage();
    const errors: string[] = [];
    let current = '';
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`${current}: ${m.text()}`)));
    page.on('pageerror', (e) => void errors.push(`${current}: ${e.message}`));
    const pending = [`${server.url}/index.html`];
    const seen = new Set(pending);
    const ids = new Map<string, Set<string>>();
    const anchorLinks: Array<{ from: string; page: string; id: string }> = [];
    const files = new Set<string>();
    const problems: string[] = [];
    while (pending.length) {
      current = pending.shift()!;
      const response = await page.goto(current, { waitUntil: 'load' });
      if (response?.status() !== 200) {
        problems.push(`${current}: HTTP ${response?.status()}`);
        continue;
      }
      const found = await page.evaluate(() => ({
        ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
        links: [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href),
      }));
      ids.set(current, new Set(found.ids));
      for (const href of found.links) {
        const url = new URL(href);
        if (url.origin !== origin) continue; // external sites are not fetched: the test runs offline
        const target = `${url.origin}${url.pathname}`;
        if (url.hash) anchorLinks.push({ from: current, page: target, id: decodeURIComponent(url.hash.slice(1)) });
        if (/\.html$|\/$/.test(url.pathname)) {
          if (!seen.has(target)) {
            seen.add(target);
            pending.push(target);
          }
        } else {
          files.add(target);
        }
      }
    }
    for (const file of files) {
      const r = await fetch(file);
      if (r.status !== 200) problems.push(`${file}: HTTP ${r.status}`);
    }
    for (const a of anchorLinks) {
      const targetIds = ids.get(a.page);
      if (targetIds && !targetIds.has(a.id)) problems.push(`${a.from}: link to missing heading #${a.id} on ${a.page}`);
    }
    await page.close();
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    const pages = [...seen].map((u) => u.slice(origin.length));
    // The guide, the playground and the generated API reference were all reached through links.
    for (const p of ['/getting-started.html', '/training.html', '/backend-gpujs.html', '/playground.html', '/api/', '/api/@deeplens/core/classes/SparseAutoencoder.html']) {
      expect(pages, p).toContain(p);
    }
    expect(pages.length).toBeGreaterThan(300);
  }, 900_000);
});
