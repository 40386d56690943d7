/**
 * `pnpm bench:roofline`: what this machine lets 128-bit SIMD code reach, next to the wasm backend's
 * matmul and PyTorch/OpenBLAS, in one run with the measurements taking turns (best of each):
 *   - native micro-kernels (micro-kernels.c, compiled here with the system C compiler, skipped with a
 *     message when there is none): our 3×12 128-bit kernel (and the earlier 4×8), a 256-bit 6×16
 *     one, bare FMA issue rate —
 *     on one core, and on every core at once (one process each, GFLOP/s summed);
 *   - the wasm backend's [1024, 768]·[768, 6144] product on 1 thread and on all cores;
 *   - the same product in PyTorch (OpenBLAS) on 1 and 2 threads, when /usr/bin/python3 has torch.
 * Writes bench/roofline/results.md. Not a test: nothing here asserts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { blasLibrary, machineDetails } from '../machine.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Math.max(1, Number(values.rounds));
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const cores = availableParallelism();
const notes: string[] = [];
const best = new Map<string, number>();
const record = (label: string, gflops: number) => best.set(label, Math.max(best.get(label) ?? 0, gflops));

const exe = join(mkdtempSync(join(tmpdir(), 'deeplens-roofline-')), 'micro-kernels');
const cc = spawnSync('cc', ['-O3', '-mavx2', '-mfma', here('./micro-kernels.c'), '-o', exe], { encoding: 'utf8' });
const native = cc.status === 0;
if (!native) notes.push(`native kernels skipped: \`cc -O3 -mavx2 -mfma\` failed (${(cc.stderr || cc.error?.message || '').trim().split('\n')[0]}).`);
const torch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!torch) notes.push('PyTorch skipped: /usr/bin/python3 cannot import torch.');

function jsonLine(stdout: string): Record<string, number> {
  return JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as Record<string, number>;
}

/** Run `copies` processes at once; resolve with each one's JSON line. */
function concurrently(cmd: string, args: string[], copies: number, env = process.env): Promise<Array<Record<string, number>>> {
  return Promise.all(Array.from({ length: copies }, () => new Promise<Record<string, number>>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(jsonLine(out)) : reject(new Error(`${cmd} exited with ${code}`))));
  })));
}

const torchScript = [
  'import json, time, torch',
  'a = torch.randn(1024, 768); b = torch.randn(768, 6144); a @ b',
  'best = 0',
  'for _ in range(5):',
  '    t = time.perf_counter(); a @ b; best = max(best, 2 * 1024 * 768 * 6144 / (time.perf_counter() - t) / 1e9)',
  'print(json.dumps({"gflops": best}))',
].join('\n');

for (let round = 1; round <= rounds; round++) {
  console.error(`round ${round}/${rounds} …`);
  if (native) {
    const [one] = await concurrently(exe, ['2'], 1);
    for (const [k, v] of Object.entries(one!)) if (k !== 'checksum') record(`native ${k}, 1 core`, v);
    const all = await concurrently(exe, ['2'], cores);
    for (const k of Object.keys(one!)) if (k !== 'checksum') record(`native ${k}, ${cores} cores (sum)`, all.reduce((s, r) => s + (r[k] ?? 0), 0));
  }
  for (const threads of [1, cores]) {
    const [r] = await concurrently(process.execPath, ['--import', 'tsx', '--conditions=@deeplens/source', here('./wasm-matmul.ts'), '--threads', String(threads)], 1);
    record(`wasm backend matmul, ${threads} thread${threads > 1 ? 's' : ''} (${String(r!.kernels ?? '')})`, r!.gflops!);
  }
  if (torch) {
    for (const threads of [1, 2]) {
      const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
      const [r] = await concurrently('/usr/bin/python3', ['-c', torchScript], 1, env);
      record(`PyTorch (OpenBLAS) matmul, ${threads} thread${threads > 1 ? 's' : ''}`, r!.gflops!);
    }
  }
}

const machine = machineDetails(blasLibrary());
const lines = [
  '# SIMD roofline on this machine', '',
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, Node ${process.version}, ${new Date().toISOString()}; best of ${rounds} alternating rounds.`,
  `CPU SIMD extensions: ${machine.simd.join(', ') || 'unknown'}; caches: ${machine.caches || 'unknown'}; PyTorch's BLAS: ${machine.openblas ?? 'not OpenBLAS'}.`,
  'Native kernels run on L1-resident packed data (an arithmetic ceiling); the matmuls are [1024, 768]·[768, 6144] float32.', '',
  '| measurement | GFLOP/s |', '|---|---|',
  ...[...best].map(([label, g]) => `| ${label} | ${g.toFixed(1)} |`),
  ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
];
writeFileSync(here('./results.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
