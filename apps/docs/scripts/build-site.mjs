// Render pages/*.md to dist/*.html with a shared navigation bar. Fails on a link to a page or an
// anchor that does not exist, so the site cannot ship broken internal links.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pagesDir = join(root, 'pages');
const out = join(root, 'dist');

export function slug(text) {
  return text.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-');
}

export function buildSite() {
  const files = readdirSync(pagesDir).filter((f) => f.endsWith('.md')).sort();
  const pages = files.map((f) => {
    const md = readFileSync(join(pagesDir, f), 'utf8');
    const title = /^# (.+)$/m.exec(md)?.[1] ?? f;
    const order = Number(/^<!-- order: (\d+) -->/m.exec(md)?.[1] ?? 99);
    return { file: f, name: basename(f, '.md'), md, title, order };
  }).sort((a, b) => a.order - b.order);
  const anchors = new Map();
  const html = new Map();
  for (const p of pages) {
    const ids = new Set();
    const marked = new Marked({
      renderer: {
        heading({ tokens, depth }) {
          const text = this.parser.parseInline(tokens);
          const id = slug(text);
          ids.add(id);
          return `<h${depth} id="${id}">${text}</h${depth}>\n`;
        },
      },
    });
    html.set(p.name, marked.parse(p.md.replace(/\]\(([\w-]+)\.md(#[\w-]+)?\)/g, ']($1.html$2)')));
    anchors.set(p.name, ids);
  }
  const problems = [];
  for (const p of pages) {
    for (const [, target, anchor] of html.get(p.name).matchAll(/href="([\w-]+)\.html(?:#([\w-]+))?"/g)) {
      if (!anchors.has(target)) problems.push(`${p.file}: link to missing page ${target}.md`);
      else if (anchor && !anchors.get(target).has(anchor)) problems.push(`${p.file}: link to missing anchor ${target}.md#${anchor}`);
    }
  }
  if (problems.length) throw new Error(`broken links:\n${problems.join('\n')}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const nav = pages.map((p) => `<a href="${p.name}.html">${p.title}</a>`).join(' · ');
  for (const p of pages) {
    writeFileSync(join(out, `${p.name}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} — DeepLens TS</title>
<style>body{font:16px/1.55 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
nav{font-size:.9rem;margin-bottom:2rem;padding-bottom:.5rem;border-bottom:1px solid #ddd}
pre{background:#f6f8fa;padding:.8rem;overflow:auto}code{font-size:.9em}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}</style></head>
<body><nav>${nav}</nav><main>
${html.get(p.name)}</main></body></html>
`);
  }
  return pages.map((p) => `${p.name}.html`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const written = buildSite();
  console.log(`docs: ${written.length} pages in ${out}`);
}
