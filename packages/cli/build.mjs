// Bundle the CLI (and the workspace packages it wires together) into dist/, one chunk per
// subcommand so each loads lazily, and copy the demo activations next to it.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { deeplens: 'src/bin.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['@deeplens/source'],
  sourcemap: true,
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
mkdirSync('dist/data/models', { recursive: true });
// The stories260K model and tokenizer for deeplens demo --full.
for (const f of ['stories260K.bin', 'tok512.bin', 'README.md']) cpSync(`../extract/fixtures/${f}`, `dist/data/models/${f}`);
cpSync('../../data/demo', 'dist/data/demo', { recursive: true });
// The bundled wasm backend finds its kernels at ../build/kernels.wasm and its worker next to itself.
mkdirSync('build', { recursive: true });
cpSync('../backend-wasm/build/kernels.wasm', 'build/kernels.wasm');
cpSync('../backend-wasm/build/kernels-relaxed.wasm', 'build/kernels-relaxed.wasm');
cpSync('../backend-wasm/src/wasm-worker.mjs', 'dist/wasm-worker.mjs');
// The feature report's page script and style, and the Vega / Vega-Lite builds it loads, beside the bundle.
mkdirSync('assets', { recursive: true });
for (const f of ['report-page.js', 'report.css']) cpSync(`../report/assets/${f}`, `assets/${f}`);
const requireHere = createRequire(import.meta.url);
for (const name of ['vega', 'vega-lite']) {
  const build = dirname(requireHere.resolve(name));
  cpSync(join(build, `${name}.min.js`), `assets/${name}.min.js`);
  cpSync(join(build, '..', 'LICENSE'), `assets/${name}-LICENSE.txt`);
}
