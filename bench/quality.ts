/**
 * pnpm bench:quality — how good each SAE architecture and training practice is on the repository's
 * bundled real activations, at matched L0, for the same tokens; and how much a sweep saves over
 * separate runs. Writes bench/quality.md (+ .json, and a Pareto plot per dataset).
 *
 *   tsx bench/quality.ts [--datasets use-lite,stories260k] [--l0 16,32,64] [--epochs 6] [--batch 128] [--timing-epochs 2] [--timing-rounds 3] [--no-timing]
 *                        [--variants 'topk (DeepLens),topk+practices+auxk'] [--out bench/quality]
 *
 * Dataset `use-lite-corpus` is USE-lite's layer-1 FFN ReLU extracted (deeplens extract's code,
 * @deeplens/extract-tfjs) from the bundled 300-story corpus at the start: about 18× the rows of the
 * bundled 2,048-row file.
 *
 * Every SAE of one dataset trains in one pass (SweepTrainer): the same batches in the same order,
 * so the comparison is exact in tokens. FVU, L0 and dead fraction are the trainer's evaluation on
 * the held-out 20 % at the end; tokens/s is each SAE's own step time on the wasm backend (roughly: the
 * backend runs kernels while JavaScript goes on, so a step's time can include some of the previous SAE's).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { wasmBackendPlugin } from '@deeplens/backend-wasm';
import { Adam, saeArchitecture, SparseAutoencoder, type SaeConfigInput } from '@deeplens/core';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';
import { SAETrainer, SweepTrainer, type SweepRun } from '@deeplens/trainer';
import yaml from 'js-yaml';
import { paretoSvg } from '../packages/cli/src/sweep/pareto-plot.js';
import type { SweepMemberState } from '../packages/cli/src/sweep/sweep-state.js';
import { machineDetails } from './machine.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'use-lite,stories260k' },
    l0: { type: 'string', default: '16,32,64' },
    epochs: { type: 'string', default: '6' },
    batch: { type: 'string', default: '128' },
    'timing-epochs': { type: 'string', default: '2' },
    'timing-rounds': { type: 'string', default: '3' },
    'no-timing': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/quality' },
    variants: { type: 'string' },
  },
});

const root = fileURLToPath(new URL('..', import.meta.url));
const DATASETS: Record<string, { title: string; file: string; d: number }> = {
  'use-lite': { title: 'USE-lite layer-1 FFN ReLU (1536 wide, 2,048 rows)', file: join(root, 'data/demo/use-lite-layer1-ffn-relu-2048.npy'), d: 1536 },
  stories260k: { title: 'stories260K layer-3 MLP hidden (172 wide, 2,048 rows)', file: join(root, 'data/demo/stories260K-layer3-mlp-hidden-2048.npy'), d: 172 },
};
type DatasetId = string;

/** USE-lite's layer-1 FFN ReLU over the bundled corpus, extracted into a temporary folder. */
async function extractUseLiteCorpus(): Promise<{ dir: string; rows: number }> {
  const { loadUseLite } = await import('@deeplens/extract-tfjs');
  const { extractActivations, textDocuments } = await import('@deeplens/extract/node');
  const use = await loadUseLite({ engine: 'wasm' });
  const dir = mkdtempSync(join(tmpdir(), 'deeplens-quality-corpus-'));
  const r = await extractActivations({
    adapter: use.adapter, site: { site: 'mlp_hidden', layer: 1 }, out: dir, model: { name: use.adapter.name, files: {} }, batchSize: 16,
    documents: await textDocuments(join(root, 'packages/extract-tfjs/fixtures/stories-corpus.txt')),
  });
  return { dir, rows: r.manifest.tokens };
}
const variantFilter = values.variants?.split(',').map((v) => v.trim());

const epochs = Number(values.epochs);
const batchSize = Number(values.batch);
const l0s = values.l0!.split(',').map(Number);

/** The SAEs compared at one L0 (4× dictionary). "practices": b_dec at the geometric median, W_enc = W_decᵀ, the decoder gradient's parallel part removed. */
function variants(d: number, l0: number, deadWindowTokens: number): { name: string; config: Partial<SaeConfigInput>; trainer: Record<string, unknown>; lr: number }[] {
  const f = 4 * d;
  const practices = { bDecInit: 'geometric_median', decoderInit: 'encoder_transpose' } as const;
  const trainer = { removeParallelGrad: true, deadWindowTokens };
  const auxK = { auxKCoef: 1 / 32 };
  const all = [
    { name: `topk (DeepLens) L0 ${l0}`, config: { k: l0 }, trainer: { deadWindowTokens }, lr: 1e-3 },
    { name: `topk+practices+auxk L0 ${l0}`, config: { architecture: 'topk', k: l0, ...practices, ...auxK }, trainer, lr: 1e-3 },
    { name: `batchtopk+practices L0 ${l0}`, config: { architecture: 'batchtopk', k: l0, ...practices }, trainer, lr: 1e-3 },
    { name: `batchtopk+practices+auxk L0 ${l0}`, config: { architecture: 'batchtopk', k: l0, ...practices, ...auxK }, trainer, lr: 1e-3 },
    { name: `matryoshka+practices+auxk L0 ${l0}`, config: { architecture: 'matryoshka', k: l0, matryoshkaPrefixes: [f / 16, f / 4, f], ...practices, ...auxK }, trainer, lr: 1e-3 },
    // Adam moves each θ by about lr per step whatever the penalty, so in a short run θ must start near
    // where L0 is right: on z-scored data with W_enc = W_decᵀ the pre-activations are close to
    // N(0, 1), so θ starts at the normal quantile that keeps L0 of F latents.
    { name: `jumprelu+practices L0 ${l0}`, config: { architecture: 'jumprelu', l0Coefficient: 0.3, targetL0: l0, jumpreluBandwidth: 0.05, jumpreluInitThreshold: normalQuantile(1 - l0 / f), ...practices }, trainer, lr: 1e-3 },
  ] satisfies { name: string; config: Partial<SaeConfigInput>; trainer: Record<string, unknown>; lr: number }[];
  return variantFilter ? all.filter((v) => variantFilter.some((p) => v.name.startsWith(`${p} L0`))) : all;
}

/** Φ⁻¹(p) by bisection on the error function (Abramowitz–Stegun 7.1.26 for erf): plenty for a starting threshold. */
function normalQuantile(p: number): number {
  const erf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x));
    const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
    return x >= 0 ? y : -y;
  };
  let lo = -8;
  let hi = 8;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (0.5 * (1 + erf(mid / Math.SQRT2)) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

interface Row {
  dataset: DatasetId;
  l0Target: number;
  name: string;
  architecture: string;
  status: string;
  fvu: number;
  l0: number;
  dead: number;
  tokensPerSec: number;
}

async function qualityFor(id: DatasetId): Promise<{ rows: Row[]; seconds: number }> {
  const ds = DATASETS[id];
  const backend = await wasmBackendPlugin.create();
  const builder = new ActivationsDatasetBuilder({ activations: ds.file, batchSize, seed: 42 });
  const rows: Row[] = [];
  const started = performance.now();
  try {
    const { train, eval: ev } = await builder.getDataloaders();
    const deadWindowTokens = 2 * train.rows;
    // One pass per L0 (six SAEs of a 4× dictionary at once fit the wasm backend's 4 GiB; eighteen
    // do not); every pass reads the same batches in the same order.
    for (const l0 of l0s) {
      const runs: SweepRun[] = [];
      const speeds = new Map<string, number[]>();
      for (const v of variants(ds.d, l0, deadWindowTokens)) {
        const model = SparseAutoencoder.create({ backend, config: { inputDims: ds.d, nFeatures: 4 * ds.d, ...v.config }, seed: 42 });
        speeds.set(v.name, []);
        runs.push({
          name: v.name,
          trainer: new SAETrainer({
            model, optim: new Adam(model, { lr: v.lr }), trainDataloader: train, evalDataloader: ev!, epochs, evalSteps: 1_000_000,
            saveCheckpoints: false, logToWandb: false, handleSignals: false, logEverySteps: 1, warn: () => {}, ...v.trainer,
            hooks: [{ onStepEnd: (_s, m) => void speeds.get(v.name)!.push(m.tokensPerSec) }],
          }),
        });
      }
      const result = await new SweepTrainer({
        runs, handleSignals: false, progressEverySteps: 10,
        onProgress: (p) => console.error(`${id} L0 ${l0}: step ${p.step}/${p.totalSteps}, ${p.running} SAEs, ${p.failed} failed, ${Math.round(p.tokensPerSec)} rows/s`),
      }).train();
      for (const [i, { name, result: r }] of result.results.entries()) {
        if (r.status !== 'completed') console.error(`${name}: ${r.status}: ${r.reason ?? ''}`);
        const s = speeds.get(name)!.slice(1);
        rows.push({
          dataset: id, l0Target: l0, name, architecture: saeArchitecture(runs[i]!.trainer.model.config), status: r.status,
          fvu: r.lastEval?.fvu ?? NaN, l0: r.lastEval?.l0 ?? NaN, dead: r.lastEval?.deadFraction ?? NaN,
          tokensPerSec: s.length ? s.length / s.reduce((a, t) => a + 1 / t, 0) : NaN,
        });
      }
      for (const r of runs) r.trainer.model.dispose();
    }
    return { rows, seconds: (performance.now() - started) / 1000 };
  } finally {
    await builder.close();
    await backend.dispose();
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Wall time of 6 SAEs as one `deeplens train` sweep against 6 separate `deeplens train` runs (the built CLI, same machine, same run). */
function sweepTiming(id: DatasetId): { sweepSeconds: number; separateSeconds: number; sweeps: number[]; separates: number[]; saes: string[] } {
  const ds = DATASETS[id];
  const dir = mkdtempSync(join(tmpdir(), 'deeplens-quality-'));
  const bin = join(root, 'packages/cli/dist/deeplens.mjs');
  const l0 = 32;
  const vs = variants(ds.d, l0, 4096);
  const snake = (c: Partial<SaeConfigInput>) => Object.fromEntries(Object.entries({
    architecture: c.architecture, k: c.k ?? null, aux_k_coef: c.auxKCoef, b_dec_init: c.bDecInit, decoder_init: c.decoderInit,
    matryoshka_prefixes: c.matryoshkaPrefixes, l0_coefficient: c.l0Coefficient, target_l0: c.targetL0, jumprelu_bandwidth: c.jumpreluBandwidth, jumprelu_init_threshold: c.jumpreluInitThreshold,
  }).filter(([, v]) => v !== undefined));
  const base = { input_dims: ds.d, n_features: 4 * ds.d, data: { batch_size: batchSize }, trainer: { epochs: Number(values['timing-epochs']), eval_steps: 1_000_000, save_checkpoints: false, device: 'wasm' } };
  const time = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, 'train', ...args, '--activations', ds.file, '--quiet'], { cwd: dir, encoding: 'utf8', env: { ...process.env, WANDB_MODE: 'disabled' } });
    if (r.status !== 0) throw new Error(`deeplens train failed: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  try {
    writeFileSync(join(dir, 'sweep.yaml'), yaml.dump({ ...base, sweep: { architecture: vs.map((v) => snake(v.config)) } }));
    for (const [i, v] of vs.entries()) writeFileSync(join(dir, `one-${i}.yaml`), yaml.dump({ ...base, ...snake(v.config) }));
    // Alternating rounds (this machine's speed drifts between minutes): each round times the sweep
    // and the six separate runs back to back; the ratio is of the rounds' medians.
    const sweeps: number[] = [];
    const separates: number[] = [];
    for (let round = 0; round < Number(values['timing-rounds']); round++) {
      sweeps.push(time(['--config', 'sweep.yaml']));
      separates.push(vs.reduce((sum, _v, i) => sum + time(['--config', `one-${i}.yaml`]), 0));
      console.error(`timing round ${round + 1}: sweep ${sweeps.at(-1)!.toFixed(1)} s, separate runs ${separates.at(-1)!.toFixed(1)} s`);
    }
    return { sweepSeconds: median(sweeps), separateSeconds: median(separates), sweeps, separates, saes: vs.map((v) => v.name) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const machine = machineDetails('');
const datasets = values.datasets!.split(',').filter(Boolean) as DatasetId[];
let corpusDir: string | undefined;
if (datasets.includes('use-lite-corpus')) {
  const { dir, rows } = await extractUseLiteCorpus();
  corpusDir = dir;
  DATASETS['use-lite-corpus'] = { title: `USE-lite layer-1 FFN ReLU (1536 wide, ${rows.toLocaleString('en-US')} rows extracted from the bundled corpus)`, file: dir, d: 1536 };
}
const all: Row[] = [];
const md: string[] = [
  '# SAE quality: architectures and training practices at matched L0',
  '',
  `Generated by \`pnpm bench:quality${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` (bench/quality.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; SIMD: ${machine.simd.join(', ') || 'unknown'}; Node ${process.version}; backend wasm.`,
  `Each dataset: every SAE trained in one pass over the same batches (${epochs} epochs, batch ${batchSize}, Adam lr 1e-3, data z-scored), 4× dictionary; FVU, L0 and dead fraction from the held-out 20 % at the end (BatchTopK and Matryoshka use their learned inference threshold, so their L0 is what inference gives, not k). "practices": b_dec_init geometric_median, decoder_init encoder_transpose, remove_parallel_grad; AuxK α = 1/32 with a dead window of two epochs of tokens. tokens/s is each SAE's step time within the pass, roughly (the wasm backend runs kernels while JavaScript goes on, so one SAE's step can include some of the previous one's); the pass's total time is exact.`,
  '',
];
for (const id of datasets) {
  const { rows, seconds } = await qualityFor(id);
  all.push(...rows);
  md.push(`## ${DATASETS[id].title}`, '', `${rows.length} SAEs, one pass per L0: ${seconds.toFixed(0)} s in all.`, '', '| SAE | L0 target | FVU | L0 | dead | tokens/s | FVU ÷ DeepLens TopK |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const ref = rows.find((x) => x.l0Target === r.l0Target && x.name.startsWith('topk (DeepLens)'))!;
    md.push(`| ${r.name}${r.status === 'completed' ? '' : ` (${r.status})`} | ${r.l0Target} | ${r.fvu.toFixed(4)} | ${r.l0.toFixed(1)} | ${(r.dead * 100).toFixed(1)}% | ${Math.round(r.tokensPerSec)} | ${(r.fvu / ref.fvu).toFixed(3)} |`);
  }
  const svgFile = `${values.out}-${id}.svg`;
  const members: SweepMemberState[] = rows.map((r) => ({ name: r.name, overrides: {}, status: 'completed', architecture: r.name.split(' ')[0]!, eval: { fvu: r.fvu, l0: r.l0, deadFraction: r.dead, explainedVariance: 1 - r.fvu, loss: NaN } }));
  writeFileSync(join(root, svgFile), await paretoSvg(members, `${DATASETS[id].title}: FVU against L0`));
  md.push('', `![Pareto plot](${svgFile.split('/').pop()})`, '');
  if (id === 'use-lite' || id === 'use-lite-corpus') {
    const at32 = rows.filter((r) => r.l0Target === 32);
    const ref = at32.find((r) => r.name.startsWith('topk (DeepLens)'));
    const best = at32.filter((r) => r !== ref && r.dead <= 0.01 && Math.abs(r.l0 - 32) <= 32 * 0.25).sort((a, b) => a.fvu - b.fvu)[0];
    if (ref && best) {
      md.push(`Target (USE-lite, L0 32, 4×): best new configuration within ±25 % of L0 32 and ≤ 1 % dead: **${best.name}**, FVU ${best.fvu.toFixed(4)} = ${(best.fvu / ref.fvu).toFixed(3)} × DeepLens TopK's ${ref.fvu.toFixed(4)} (target ≤ 0.9): ${best.fvu <= 0.9 * ref.fvu ? 'met' : 'not met'}.`, '');
    }
  }
}
if (!values['no-timing']) {
  const t = sweepTiming('use-lite');
  const ratio = t.sweepSeconds / t.separateSeconds;
  md.push('## One pass against separate runs', '',
    `The built CLI, USE-lite, the six L0-32 SAEs above for ${values['timing-epochs']} epochs: one \`deeplens train\` with a sweep: section took ${t.sweepSeconds.toFixed(1)} s; six separate \`deeplens train\` runs ${t.separateSeconds.toFixed(1)} s in total (medians of ${t.sweeps.length} alternating rounds: sweep ${t.sweeps.map((v) => v.toFixed(1)).join(', ')} s; separate ${t.separates.map((v) => v.toFixed(1)).join(', ')} s): ratio ${ratio.toFixed(2)} (target ≤ 0.8: ${ratio <= 0.8 ? 'met' : 'not met'}).`,
    'A sweep shares the process start, the backend start, reading, shuffling and normalising each batch, and putting it on the backend; the SAEs\' steps themselves are the same work, so the ratio approaches 1 as the models grow relative to the data.', '');
  all.push({ dataset: 'use-lite', l0Target: 32, name: 'timing', architecture: 'sweep/separate', status: 'ratio', fvu: ratio, l0: t.sweepSeconds, dead: t.separateSeconds, tokensPerSec: NaN });
}
if (corpusDir) rmSync(corpusDir, { recursive: true, force: true });
writeFileSync(join(root, `${values.out}.md`), `${md.join('\n')}\n`);
writeFileSync(join(root, `${values.out}.json`), `${JSON.stringify(all, null, 2)}\n`);
console.error(`wrote ${values.out}.md`);
