// Bundle the CLI (and the workspace packages it wires together) into dist/, one chunk per
// subcommand so each loads lazily, and copy the demo activations next to it.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
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
mkdirSync('dist/data', { recursive: true });
cpSync('../../data/demo', 'dist/data/demo', { recursive: true });
// The bundled wasm backend finds its kernels at ../build/kernels.wasm and its worker next to itself.
mkdirSync('build', { recursive: true });
cpSync('../backend-wasm/build/kernels.wasm', 'build/kernels.wasm');
cpSync('../backend-wasm/build/kernels-relaxed.wasm', 'build/kernels-relaxed.wasm');
cpSync('../backend-wasm/src/wasm-worker.mjs', 'dist/wasm-worker.mjs');
