/**
 * `pnpm bench:compare [--base REF] [--head REF] [--configs a,b,c] [--steps 3] [--rounds 3]`: is
 * HEAD as fast and as lean as an earlier commit, on this machine, now? Checks both commits out as
 * git worktrees (installed from the pnpm store, wasm kernels built), then alternates their
 * measurements round after round (this machine's speed drifts over minutes, so back-to-back runs
 * would compare different machines): per configuration, the model's training step
 * (bench/train-step.ts of that commit, wasm backend) and SAETrainer's whole loop
 * (bench/compare/trainer-step.ts, copied into each commit). Writes bench/comparison.json and
 * bench/comparison.md. Not a test: nothing here asserts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIGS, type BenchConfig } from './configs.js';
import { machineDetails, blasLibrary } from './machine.js';

const { values } = parseArgs({ options: { base: { type: 'string', default: '20a3f2b' }, head: { type: 'string', default: 'HEAD' }, configs: { type: 'string', default: 'a,b,c' }, steps: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' } } });
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const repo = here('..');
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
const pnpm = process.env['npm_execpath'] ?? 'pnpm';

interface Run { ref: string; sha: string; kind: 'model step' | 'trainer loop'; config: string; round: number; tokensPerSec: number; peakRssMiB: number; idleRssMiB: number }

function prepare(ref: string): { ref: string; sha: string; dir: string } {
  const sha = git('rev-parse', ref);
  const dir = join(tmpdir(), `deeplens-bench-${sha.slice(0, 10)}`);
  if (!existsSync(dir)) {
    console.error(`checking out ${ref} (${sha.slice(0, 10)}) in ${dir} …`);
    git('worktree', 'add', '--detach', dir, sha);
    const run = (args: string[]) => {
      const r = spawnSync(process.execPath, [pnpm, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed in ${dir}`);
    };
    run(['install', '--frozen-lockfile', '--prefer-offline']);
    run(['nx', 'run', '@deeplens/backend-wasm:build', '--output-style=static']);
  }
  copyFileSync(here('./compare/trainer-step.ts'), join(dir, 'packages', 'cli', 'bench-trainer-step.ts'));
  return { ref, sha, dir };
}

function measure(dir: string, kind: Run['kind'], config: string): Omit<Run, 'ref' | 'sha' | 'round' | 'kind' | 'config'> | undefined {
  const script = kind === 'model step' ? join(dir, 'bench', 'train-step.ts') : join(dir, 'packages', 'cli', 'bench-trainer-step.ts');
  const args = kind === 'model step'
    ? ['--expose-gc', '--import', 'tsx', '--conditions=@deeplens/source', script, '--backend', 'wasm', '--config', config, '--steps', values.steps!]
    : ['--import', 'tsx', '--conditions=@deeplens/source', script, '--config', config, '--steps', String(Number(values.steps) + 1), '--configs-module', here('./configs.ts')];
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 900_000 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) {
    console.error(`${kind} ${config} in ${dir} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    return undefined;
  }
  const j = JSON.parse(line) as { tokensPerSec: number; peakRssMiB: number; idleRssMiB: number };
  return { tokensPerSec: j.tokensPerSec, peakRssMiB: j.peakRssMiB, idleRssMiB: j.idleRssMiB };
}

const commits = [prepare(values.base!), prepare(values.head!)];
const runs: Run[] = [];
const rounds = Number(values.rounds);
for (let round = 1; round <= rounds; round++) {
  for (const config of values.configs!.split(',')) {
    for (const kind of ['model step', 'trainer loop'] as const) {
      for (const c of round % 2 ? commits : [...commits].reverse()) {
        console.error(`round ${round}/${rounds}, config ${config}, ${kind}: ${c.ref} …`);
        const m = measure(c.dir, kind, config);
        if (m) runs.push({ ref: c.ref, sha: c.sha, kind, config, round, ...m });
      }
    }
  }
}

const best = (xs: Run[]) => Math.max(...xs.map((r) => r.tokensPerSec));
const median = (xs: Run[]) => [...xs].map((r) => r.tokensPerSec).sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const memory = (xs: Run[]) => Math.max(...xs.map((r) => r.peakRssMiB - r.idleRssMiB));
const blas = blasLibrary();
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, ...machineDetails(blas), date: new Date().toISOString() };
writeFileSync(here('./comparison.json'), `${JSON.stringify({ machine, base: commits[0], head: commits[1], rounds, runs }, null, 2)}\n`);
const [base, head] = commits as [(typeof commits)[0], (typeof commits)[0]];
const lines = [
  '# HEAD against an earlier commit, measured together', '',
  `Machine: ${machine.cpu}, ${machine.cores} cores; Node ${machine.node}; CPU SIMD extensions: ${machine.simd?.join(', ') ?? 'unknown'}; ${machine.date}.`,
  `Base ${base.ref} (${base.sha.slice(0, 10)}), head ${head.ref} (${head.sha.slice(0, 10)}), both on the wasm backend, in alternating order for ${rounds} round(s), each measurement in its own process. tokens/s: best round (median in brackets); memory: the most any round used above its idle footprint (peak RSS − idle RSS). "model step": SparseAutoencoder.lossAndGrads + Adam + postStep (bench/train-step.ts of each commit). "trainer loop": SAETrainer.train over ${Number(values.steps) + 1} batches, the first untimed (data loading, divergence and activity bookkeeping included; no logger due).`, '',
  '| config | measured | base tokens/s | head tokens/s | head / base | base MiB | head MiB | head / base |',
  '|---|---|---|---|---|---|---|---|',
];
for (const config of values.configs!.split(',')) {
  for (const kind of ['model step', 'trainer loop'] as const) {
    const b = runs.filter((r) => r.sha === base.sha && r.config === config && r.kind === kind);
    const h = runs.filter((r) => r.sha === head.sha && r.config === config && r.kind === kind);
    if (!b.length || !h.length) continue;
    lines.push(`| ${CONFIGS[config as BenchConfig['id']].label} | ${kind} | ${best(b).toFixed(0)} (${median(b).toFixed(0)}) | ${best(h).toFixed(0)} (${median(h).toFixed(0)}) | ${(best(h) / best(b)).toFixed(3)} (${(median(h) / median(b)).toFixed(3)}) | ${memory(b).toFixed(0)} | ${memory(h).toFixed(0)} | ${(memory(h) / memory(b)).toFixed(3)} |`);
  }
}
writeFileSync(here('./comparison.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
for (const c of commits) console.error(`worktree kept for reruns: ${c.dir} (git worktree remove --force ${c.dir})`);
