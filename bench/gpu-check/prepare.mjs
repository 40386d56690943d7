// Prepare bench/gpu-check/dist/ for a machine with a GPU and no network (run here, with network):
//   node bench/gpu-check/prepare.mjs
// It holds two esbuild bundles (the conformance suite on a tfjs engine, one training-step
// measurement), tfjs-backend-wasm's .wasm files, the golden fixtures, the `webgpu` package's
// linux-x64 Dawn binary (fetched from npm into a cache once: it is an optional peer the workspace
// never installs) and this Node binary compressed (the GPU machine has no Node) — under 64 MiB.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const out = join(here, 'dist');
const cache = join(here, '.cache');
const WEBGPU = '0.6.2';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

for (const [entry, name] of [['conformance-main.ts', 'conformance'], ['step-main.ts', 'step']]) {
  await build({
    entryPoints: { [name]: join(here, entry) },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['@deeplens/source'],
    alias: { vitest: join(here, 'vitest-shim.ts') },
    // Loaded at run time from node_modules/ beside the bundles (webgpu) or absent (tfjs-node).
    external: ['webgpu', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url); import { dirname as __dn } from 'node:path'; import { fileURLToPath as __fu } from 'node:url'; const __dirname = __dn(__fu(import.meta.url)); const __filename = __fu(import.meta.url);" },
    logLevel: 'warning',
  });
}
// tfjs-backend-wasm finds its .wasm files next to its (here: the bundle's) own file.
const wasmDist = join(dirname(execFileSync(process.execPath, ['-e', "process.stdout.write(require.resolve('@tensorflow/tfjs-backend-wasm'))"], { cwd: join(root, 'packages/backend-tfjs'), encoding: 'utf8' })));
for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDist, f), join(out, f));
cpSync(join(root, 'packages/core/fixtures/golden'), join(out, 'golden'), { recursive: true });

// Dawn for Node: fetched once into the cache, then only its linux-x64 binary is kept.
const pkg = join(cache, 'node_modules/webgpu');
if (!existsSync(join(pkg, 'dist/linux-x64/dawn.node'))) {
  mkdirSync(cache, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', cache, `webgpu@${WEBGPU}`], { stdio: 'inherit' });
}
const dawn = join(out, 'node_modules/webgpu');
mkdirSync(join(dawn, 'dist/linux-x64'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(pkg, f), join(dawn, f));
copyFileSync(join(pkg, 'dist/linux-x64/dawn.node'), join(dawn, 'dist/linux-x64/dawn.node'));

// This Node (x86-64 Linux, glibc) for a machine without one (--no-node: not needed, e.g. pnpm test:webgpu here).
if (!process.argv.includes('--no-node')) execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${join(out, 'node.xz')}"`]);
writeFileSync(join(out, 'VERSIONS'), `node ${process.version}\nwebgpu ${WEBGPU}\n`);

const size = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, f) => s + size(join(p, f)), 0) : statSync(p).size);
const mib = size(out) / 2 ** 20;
console.log(`bench/gpu-check/dist: ${mib.toFixed(1)} MiB`);
if (mib >= 64) throw new Error('the GPU check folder must stay under 64 MiB (the device machine\'s carry limit)');
