/**
 * `pnpm bench`: for every available backend and for PyTorch (Debian's python3-torch; skipped with a
 * message when missing), in one run on this machine, the tokens/s of a full training step for the
 * three configurations, the encoder matmul's GFLOP/s and peak RSS. Each measurement runs in its own
 * process. The implementations take turns, round after round (this machine is shared and its speed
 * drifts by 2× over minutes, so back-to-back single runs would compare different machines); each
 * one's best round is reported, every round is in results.json. Writes bench/results.json and
 * bench/results.md. Not a test: nothing here asserts.
 *
 *   pnpm bench [--configs a,b,c,d] [--steps 3] [--rounds 3] [--out results]
 *   pnpm bench --render          (rewrite results.md from results.json, measuring nothing)
 * --out NAME writes bench/NAME.json and bench/NAME.md instead (a partial run keeps the full one).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { engineInstalled } from '@deeplens/backend-tfjs';
import { modeUnavailable } from '@deeplens/backend-gpujs';
import { CONFIGS, ENCODER_ROWS, type BenchConfig } from './configs.js';
import { blasLibrary, machineDetails, type MachineDetails } from './machine.js';
import { median, targetLines } from './targets.js';

interface Result { impl: string; config: string; tokensPerSec: number; stepSeconds: number; encoderGflops: number; peakRssMiB: number; idleRssMiB: number; kernels?: string; mode?: string; torch?: string; round?: number; medianTokensPerSec?: number; rounds?: number }

const { values } = parseArgs({ options: { out: { type: 'string', default: 'results' }, configs: { type: 'string', default: 'a,b,c,d' }, steps: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, render: { type: 'boolean', default: false } } });
const rounds = Math.max(1, Number(values.rounds));
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const notes: string[] = [];
/** Rows per micro-batch of the L1 "micro-batches" rows: one row block of the wasm gemm. */
const MICRO_BATCH_ROWS = 128;

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Result | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 900_000 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    notes.push(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    return undefined;
  }
  const parsed = JSON.parse(line) as Result | { skipped: string };
  if ('skipped' in parsed) {
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    notes.push(`${at('--backend')} skipped for config ${at('--config')}: ${parsed.skipped}`);
    return undefined;
  }
  return parsed;
}

interface BenchData { machine: Record<string, unknown> & Partial<MachineDetails> & { cpu: string; cores: number; memoryGiB: number; node: string; torch: string | null; blas: string; date: string }; rounds: number; results: Result[]; runs?: Result[]; notes: string[] }

/** Per implementation and configuration: the best round's speed, the worst round's memory. */
function summarize(allRuns: Result[]): Result[] {
  const results: Result[] = [];
  for (const r of allRuns) {
    const same = allRuns.filter((x) => x.impl === r.impl && x.config === r.config && x.kernels === r.kernels && x.mode === r.mode);
    if (same[0] !== r) continue;
    const best = same.reduce((a, b) => (b.tokensPerSec > a.tokensPerSec ? b : a));
    const median = [...same].sort((a, b) => a.tokensPerSec - b.tokensPerSec)[Math.floor((same.length - 1) / 2)]!;
    // Memory: the round that used the most above its own idle footprint (peak and idle of one round).
    const memory = same.reduce((a, b) => (b.peakRssMiB - b.idleRssMiB > a.peakRssMiB - a.idleRssMiB ? b : a));
    results.push({
      ...best, round: undefined, encoderGflops: Math.max(...same.map((x) => x.encoderGflops)), peakRssMiB: memory.peakRssMiB,
      idleRssMiB: memory.idleRssMiB, medianTokensPerSec: median.tokensPerSec, rounds: same.length,
    });
  }
  return results;
}

/** Runs every measurement; writes and returns results.json's content. */
async function measure(): Promise<BenchData> {
  const torchOk = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  const blas = blasLibrary();
  if (!torchOk) notes.push('PyTorch skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread).');
  else if (!blas.includes('openblas')) notes.push(`PyTorch uses ${blas}: install libopenblas0-pthread for a fair (fast) reference.`);

  /** The runs of one configuration, in the order one round takes them. */
  function plan(id: BenchConfig['id']): Array<{ label: string; run: () => Result | undefined }> {
    const cfg = CONFIGS[id];
    const steps = values.steps!;
    const runs: Array<{ label: string; run: () => Result | undefined }> = [];
    // wasm+f32enc: the TopK encoder without its int16 screen (config (a): batches the screen runs on).
    const topk = cfg.batch >= 512 ? ['wasm', 'wasm+f32enc', 'wasm+oib', 'wasm-simd', 'cpu'] : ['wasm', 'wasm+oib', 'wasm-simd', 'cpu'];
    for (const backend of cfg.k === null ? ['wasm', 'wasm+oib', 'wasm+mb', 'cpu'] : topk) {
      if (backend === 'cpu' && (cfg.batch > 256 || cfg.d * cfg.F > 10_000_000)) {
        notes.push(`cpu (reference backend, about 0.7 GFLOP/s) skipped for config ${id}: minutes per step; it is there to check other backends, not to train.`);
        continue;
      }
      // wasm+oib: the same backend with the optimiser applied during the backward pass (optimizerInBackward);
      // wasm+mb: the batch run in micro-batches of MICRO_BATCH_ROWS rows (microBatchSize), for L1.
      const [name, mode] = backend === 'wasm+oib' ? ['wasm', ['--optimizer-in-backward']] : backend === 'wasm+mb' ? ['wasm', ['--micro-batch', String(MICRO_BATCH_ROWS)]] : backend === 'wasm+f32enc' ? ['wasm', ['--no-screen']] : [backend, []];
      runs.push({ label: backend, run: () => runJson(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=@deeplens/source', here('./train-step.ts'), '--backend', name, '--config', id, '--steps', backend === 'cpu' ? '1' : steps, ...mode]) });
    }
    // The tfjs backend on each of its engines that can run in Node here: wasm always, cpu where a
    // step takes seconds (like the reference backend), tensorflow (tfjs-node[-gpu]) and webgpu (Dawn) when installed.
    for (const engine of tfjsEngines) {
      if (engine === 'cpu' && (cfg.batch > 256 || cfg.d * cfg.F > 10_000_000)) {
        notes.push(`tfjs cpu engine skipped for config ${id}: minutes per step (tfjs's plain-JavaScript kernels).`);
        continue;
      }
      runs.push({ label: `tfjs ${engine}`, run: () => runJson(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=@deeplens/source', here('./train-step.ts'), '--backend', `tfjs-${engine}`, '--config', id, '--steps', engine === 'cpu' ? '1' : steps]) });
    }
    // The gpu.js backend in the modes Node offers: webasm always, its plain-JavaScript cpu mode where a
    // step takes seconds, headlessgl when the optional gl package is built (the browser's WebGL modes:
    // pnpm bench:browser).
    for (const mode of gpujsModes) {
      if (mode === 'cpu' && cfg.d * cfg.F > 1_000_000) {
        notes.push(`gpu.js cpu mode skipped for config ${id}: minutes per step (plain JavaScript kernels).`);
        continue;
      }
      runs.push({ label: `gpujs ${mode}`, run: () => runJson(process.execPath, ['--expose-gc', '--import', 'tsx', '--conditions=@deeplens/source', here('./train-step.ts'), '--backend', `gpujs-${mode}`, '--config', id, '--steps', steps]) });
    }
    if (torchOk) {
      for (const mode of cfg.k === null ? ['dense'] : ['dense', 'sparse']) {
        runs.push({ label: `pytorch ${mode}`, run: () => runJson('/usr/bin/python3', [here('./pytorch_step.py'), '--config', id, '--mode', mode, '--steps', steps], { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' }) });
      }
    }
    return runs;
  }

  const tfjsEngines: string[] = ['wasm', 'cpu'];
  for (const engine of ['tensorflow', 'webgpu'] as const) {
    if (await engineInstalled(engine)) tfjsEngines.unshift(engine);
    else notes.push(`tfjs ${engine} engine not measured: ${engine === 'tensorflow' ? '@tensorflow/tfjs-node(-gpu)' : 'the webgpu package (Dawn)'} is not installed here.`);
  }
  const gpujsModes = ['webasm', 'cpu'];
  const noGl = modeUnavailable('headlessgl');
  if (!noGl) gpujsModes.unshift('headlessgl');
  else notes.push(`gpu.js headlessgl mode not measured: ${noGl}`);
  const allRuns: Result[] = [];
  for (const id of values.configs!.split(',') as BenchConfig['id'][]) {
    const runs = plan(id);
    for (let round = 1; round <= rounds; round++) {
      for (const { label, run } of runs) {
        console.error(`config ${id}, round ${round}/${rounds}: ${label} …`);
        const r = run();
        if (r) allRuns.push({ ...r, round });
      }
    }
  }
  const results = summarize(allRuns);

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version,
    torch: results.find((r) => r.torch)?.torch ?? null, blas, ...machineDetails(blas), date: new Date().toISOString(),
  };
  writeFileSync(here(`./${values.out}.json`), `${JSON.stringify({ machine, rounds, results, runs: allRuns, notes: [...new Set(notes)] }, null, 2)}\n`);
  return { machine, rounds, results, notes: [...new Set(notes)] };
}

const data: BenchData = values.render ? (JSON.parse(readFileSync(here(`./${values.out}.json`), 'utf8')) as BenchData) : await measure();
const { machine } = data;
const results = data.runs ? summarize(data.runs) : data.results;
const get = (impl: string, config: string) => results.find((r) => r.impl === impl && r.config === config);
const minBytes = (c: BenchConfig) => (2 * c.d * c.F + c.F + c.d) * 4 * 3 + c.batch * c.d * 4;
const memoryRatio = (r: Result) => ((r.peakRssMiB - r.idleRssMiB) * 2 ** 20) / minBytes(CONFIGS[r.config as BenchConfig['id']]);
const describe = (r: Result) => `${r.impl}${r.kernels ? ` (${r.kernels})` : ''}${r.mode ? `, ${r.mode}` : ''}`;
const lines = [
  '# Benchmark results', '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; PyTorch ${machine.torch ?? 'not installed'} with ${machine.blas}; ${machine.date}.`,
  ...(machine.simd ? [`CPU SIMD extensions: ${machine.simd.join(', ') || 'unknown'}; caches: ${machine.caches || 'unknown'}; PyTorch's BLAS: ${machine.openblas ?? 'not OpenBLAS'}. WebAssembly SIMD is 128-bit (4 floats per vector) on every CPU; OpenBLAS picks the widest kernels the CPU has (its core name above; SkylakeX and later: AVX-512, 16 floats per vector). \`pnpm bench:roofline\` measures what 128-bit SIMD can reach here.`] : []),
  `Every row was measured in the same run, each in its own process; the implementations took turns for ${data.rounds} round(s) and each row is its best round (the median in brackets; every round is in results.json). Ratios: best against best (median against median in brackets). tokens/s = activation vectors per second of a full training step (forward, backward, Adam, decoder renormalisation).`,
  `Encoder GFLOP/s: [${ENCODER_ROWS}, d] · W_enc alone. Memory: peak RSS (set-up and the training steps, read before the stand-alone encoder matmul) and idle RSS of the round with the most above idle (idle = the runtime ready to compute — workers or BLAS threads started — before any model or data existed), and (peak − idle) / (parameters + Adam state + one batch), the issue's bound being 1.5. "optimizer in backward": the trainer option optimizer_in_backward — each gradient applied and freed as the backward pass makes it. "micro-batches of N": the trainer option micro_batch_size — the batch run N rows at a time, the gradients added up in place, one optimiser step. "float32 encoder (int16 screen off)": the same wasm step with the screen below disabled (backend option screen: 'off'). In (a) the wasm step's ReLU TopK encoder screens in int16 first (batches of ≥ 512 rows with k ≤ F/64; the top-k is exact — only latents that can be in it are recomputed in float32, see apps/docs/pages/backends.md), so the step does far fewer float32 multiply-adds than the dense encoder product in the GFLOP/s column; (c)'s 16-row batches use the float32 encoder, and (b) has no top-k.`, '',
  '| config | implementation | tokens/s | vs PyTorch DeepLens step | vs PyTorch sparse step | encoder GFLOP/s | peak RSS MiB | idle RSS MiB | (peak − idle) / (params + Adam + batch) |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const id of [...new Set(results.map((r) => r.config))]) {
  const cfg = CONFIGS[id as BenchConfig['id']];
  const dense = get('pytorch-dense', id);
  const sparse = get('pytorch-sparse', id);
  for (const r of results.filter((x) => x.config === id)) {
    const ratio = (ref?: Result) => (ref && !r.impl.startsWith('pytorch') ? `${(r.tokensPerSec / ref.tokensPerSec).toFixed(2)}× (${(median(r) / median(ref)).toFixed(2)}×)` : '');
    lines.push(`| ${cfg.label} | ${describe(r)} | ${Math.round(r.tokensPerSec)} (${Math.round(median(r))}) | ${ratio(dense)} | ${ratio(sparse)} | ${r.encoderGflops.toFixed(1)} | ${Math.round(r.peakRssMiB)} | ${Math.round(r.idleRssMiB)} | ${memoryRatio(r).toFixed(2)} |`);
  }
}
const targets = targetLines(results, { memoryRatio, describe });
if (targets.length) lines.push('', "## The issue's targets in this run", '', ...targets);
if (data.notes.length) lines.push('', ...data.notes.map((n) => `- ${n}`));
writeFileSync(here(`./${values.out}.md`), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
