import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@deeplens/core/node';
import { escapeHtml } from '../escape-html.js';
import type { FeatureStats } from '../feature-scan.js';
import { densityHistogram, featureData, l0Histogram } from '../report-data.js';

export interface ReportPage {
  title: string;
  meta: string[];
  stats: Array<[string, string]>;
  curves: Array<{ metric: string; step: number; value: number }>;
  /** Token strings by id (for the contexts and logit tables). */
  vocab: string[];
  /** `deeplens eval --model --json`'s object, when the SAE was evaluated inside the model. */
  inModel?: Record<string, unknown>;
}

export const CHUNK_SIZE = 128;

/** Where the page's own script and style live: packages/report/assets (from src/node or dist/node), or beside a bundle that copied them (cli/assets). */
function assetsDir(): string {
  const candidates = ['../../assets/', '../assets/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, 'report-page.js'))) ?? candidates[0]!;
}

/** vega.min.js / vega-lite.min.js: copied next to the page assets by a bundle, else from the installed packages. */
function vegaFile(name: 'vega' | 'vega-lite', assets: string): string {
  const bundled = join(assets, `${name}.min.js`);
  return existsSync(bundled) ? bundled : join(dirname(createRequire(import.meta.url).resolve(name)), `${name}.min.js`);
}

/**
 * Write the static report: index.html, assets/ (the page script, style, Vega and Vega-Lite) and
 * data/ (the overview and one script per 128 features, loaded as pages need them), so it opens
 * from disk with no server. Each file is written atomically; index.html last.
 */
export async function writeReport(out: string, page: ReportPage, stats: FeatureStats, logits?: (f: number) => Float32Array | undefined): Promise<string> {
  await mkdir(join(out, 'assets'), { recursive: true });
  await mkdir(join(out, 'data'), { recursive: true });
  const assets = assetsDir();
  for (const f of ['report-page.js', 'report.css']) await copyFile(join(assets, f), join(out, 'assets', f));
  for (const name of ['vega', 'vega-lite'] as const) {
    const src = vegaFile(name, assets);
    await copyFile(src, join(out, 'assets', `${name}.min.js`));
    await copyFile(join(dirname(src), '..', 'LICENSE'), join(out, 'assets', `${name}-LICENSE.txt`)).catch(() => copyFile(join(assets, `${name}-LICENSE.txt`), join(out, 'assets', `${name}-LICENSE.txt`)));
  }
  const density = densityHistogram(stats);
  const summary = Array.from({ length: stats.features }, (_, f) => [f, stats.count[f]! / stats.rows, stats.max[f]!]);
  const data = {
    chunkSize: CHUNK_SIZE, vocab: page.vocab, summary,
    overview: { title: page.title, meta: page.meta, stats: page.stats, curves: page.curves, densityHist: density.bins, deadFeatures: density.dead, l0Hist: l0Histogram(stats), inModel: page.inModel ?? null },
  };
  await writeFileAtomic(join(out, 'data', 'report.js'), `window.DEEPLENS_REPORT = ${JSON.stringify(data)};\n`);
  for (let c = 0; c * CHUNK_SIZE < stats.features; c++) {
    const features = [];
    for (let f = c * CHUNK_SIZE; f < Math.min(stats.features, (c + 1) * CHUNK_SIZE); f++) features.push(featureData(stats, f, logits?.(f)));
    await writeFileAtomic(join(out, 'data', `features-${String(c).padStart(4, '0')}.js`), `window.deeplensFeatures(${c}, ${JSON.stringify(features)});\n`);
  }
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feature report — ${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="assets/report.css">
<script src="assets/vega.min.js"></script>
<script src="assets/vega-lite.min.js"></script>
<script src="data/report.js"></script>
</head>
<body>
<section id="overview"></section>
<section id="features">
<h2>Features</h2>
<div class="controls">
<label>sort by <select id="sort"><option value="density">density</option><option value="max">max activation</option><option value="id">id</option></select></label>
<label>feature id <input id="search" type="number" min="0" placeholder="e.g. 42"></label>
<button id="prev" type="button">previous</button><button id="next" type="button">next</button>
<span id="page-info" class="meta"></span>
</div>
<div id="cards"></div>
</section>
<script src="assets/report-page.js"></script>
</body>
</html>
`;
  const index = join(out, 'index.html');
  await writeFileAtomic(index, html);
  return index;
}
