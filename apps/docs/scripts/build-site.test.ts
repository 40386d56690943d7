import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM build script without types
import { buildSite, slug } from './build-site.mjs';

describe('docs site', () => {
  it('builds every page with working internal links', () => {
    const pages: string[] = buildSite();
    expect(pages).toEqual(expect.arrayContaining(['index.html', 'training.html', 'metrics.html', 'cli.html', 'backends.html']));
    const training = readFileSync(new URL('../dist/training.html', import.meta.url), 'utf8');
    expect(training).toContain('id="the-training-loop"');
    expect(existsSync(new URL('../dist/index.html', import.meta.url))).toBe(true);
  });

  it('slugs headings like the anchors pages link to', () => {
    expect(slug('Hooks & the loop order')).toBe('hooks-the-loop-order');
    expect(slug('deeplens train')).toBe('deeplens-train');
  });
});
