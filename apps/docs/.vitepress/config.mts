import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type DefaultTheme } from 'vitepress';

const pagesDir = fileURLToPath(new URL('../pages/', import.meta.url));

/** The guide pages in the order their `<!-- order: N -->` comments give. */
function guide(): DefaultTheme.SidebarItem[] {
  return readdirSync(pagesDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => {
      const md = readFileSync(pagesDir + f, 'utf8');
      return { text: /^# (.+)$/m.exec(md)?.[1] ?? f, link: `/${f.replace(/\.md$/, '')}`, order: Number(/^<!-- order: (\d+) -->/m.exec(md)?.[1] ?? 99) };
    })
    .filter((p) => !['/index', '/playground', '/bench'].includes(p.link))
    .sort((a, b) => a.order - b.order)
    .map(({ text, link }) => ({ text, link }));
}

/**
 * The API reference's sidebar: one entry per package entry point, from the sidebar TypeDoc writes
 * (pnpm docs:build runs it first). Each entry's page lists its classes, functions and types; listing
 * every symbol here would put the whole index (hundreds of links) into each of the ~400 pages.
 */
function api(): DefaultTheme.SidebarItem[] {
  const file = `${pagesDir}api/typedoc-sidebar.json`;
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[]).map(({ text, link }) => ({ text, link }));
}

export default defineConfig({
  title: 'DeepLens TS',
  description: 'Train sparse autoencoders on neural-network activations, in TypeScript — in Node or in a browser.',
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  srcDir: 'pages',
  outDir: 'dist',
  cleanUrls: false,
  lastUpdated: false,
  // A link to a page or heading that does not exist fails the build.
  ignoreDeadLinks: false,
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Playground', link: '/playground' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/api/': [{ text: 'API reference', link: '/api/', items: api() }],
      '/': [{ text: 'Guide', items: guide() }, { text: 'Try it', items: [{ text: 'Playground', link: '/playground' }, { text: 'Browser benchmark', link: '/bench' }] }],
    },
    search: { provider: 'local' },
    outline: 'deep',
  },
  vite: {
    // Our packages' TypeScript sources, as in the tests (no build of each package needed first).
    resolve: { conditions: ['@deeplens/source'] },
    ssr: { noExternal: [/^@deeplens\//] },
    optimizeDeps: { include: ['gpu.js'] },
    build: { chunkSizeWarningLimit: 4096 },
  },
});
