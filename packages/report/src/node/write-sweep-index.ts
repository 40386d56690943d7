import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@deeplens/core/node';
import { escapeHtml } from '../escape-html.js';

/** A sweep's report index: one link per SAE's report (each `<dir>/<SAE>/index.html`). Returns its path. */
export async function writeSweepIndex(dir: string, title: string, reports: ReadonlyArray<{ name: string; index: string }>): Promise<string> {
  const items = reports.map((r) => `<li><a href="${escapeHtml(basename(dirname(r.index)))}/index.html">${escapeHtml(r.name)}</a></li>`).join('\n');
  const index = join(dir, 'index.html');
  await writeFileAtomic(index, `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Sweep feature reports</title></head>\n<body><h1>Feature reports of ${escapeHtml(title)}</h1>\n<ul>\n${items}\n</ul></body></html>\n`);
  return index;
}
