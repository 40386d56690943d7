import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `deeplens train` with a sweep: section, through the built CLI: folders, reports, failures, Ctrl-C and resume. */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const DEMO_NPY = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-sweep-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const env = { ...process.env, CI: '1', WANDB_MODE: 'disabled' };
const BASE = `input_dims: 172
n_features: 344
activation: relu
k: 8
data:
  batch_size: 64
  normalize_activations: expected_norm
trainer:
  epochs: 2
  eval_steps: 1000
  log_every_steps: 5
  device: cpu
`;

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function config(name: string, extra: string): Promise<string> {
  await writeFile(join(cwd, name), BASE + extra);
  return name;
}

async function tensors(path: string): Promise<Buffer> {
  const bytes = await readFile(path);
  return bytes.subarray(8 + Number(bytes.readBigUInt64LE(0)));
}

describe('deeplens train with a sweep: section', () => {
  it('trains the grid in one pass: a run folder per SAE with its own config, sweep.json, summary.md and pareto.svg; each model evaluates', async () => {
    const file = await config('grid.yaml', `  output_dir: grid
sweep:
  architecture: [topk, batchtopk]
  k: [4, 16]
`);
    const r = deeplens('train', '--config', file, '--activations', DEMO_NPY);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Sweep: 4 SAEs \(architecture × 2, k × 2\), 4 to train, in one pass over 1638 train rows/);
    // One progress line for the whole sweep at the logging cadence.
    expect(r.out).toMatch(/Sweep step 5\/52 \(epoch 1\/2\) - 4 SAEs training, 0 failed - \d+ tok\/s/);
    expect(r.out).not.toMatch(/^Step \[/m);
    const dir = /Sweep folder: (\S+)/.exec(r.out)![1]!;
    expect(dir).toMatch(/^grid\/sae-sweep\/run_\d{8}_\d{6}$/);
    const names = ['0-topk-k4', '1-topk-k16', '2-batchtopk-k4', '3-batchtopk-k16'];
    expect((await readdir(join(cwd, dir))).sort()).toEqual([...names, 'pareto.svg', 'summary.json', 'summary.md', 'sweep.json'].sort());
    const state = JSON.parse(await readFile(join(cwd, dir, 'sweep.json'), 'utf8')) as { members: { name: string; status: string; runDir: string; eval: { fvu: number; l0: number } }[] };
    expect(state.members.map((m) => [m.name, m.status])).toEqual(names.map((n) => [n, 'completed']));
    for (const [i, m] of state.members.entries()) {
      const own = JSON.parse(await readFile(join(cwd, m.runDir, 'config.json'), 'utf8')) as Record<string, unknown>;
      expect(own['k']).toBe(i % 2 === 0 ? 4 : 16);
      expect(own['architecture'] ?? 'topk').toBe(i < 2 ? 'topk' : 'batchtopk');
      expect(existsSync(join(cwd, m.runDir, 'metrics.jsonl'))).toBe(true);
      const e = deeplens('eval', '--checkpoint', m.runDir, '--activations', DEMO_NPY, '--json');
      expect(e.code, e.err).toBe(0);
      const metrics = JSON.parse(e.out) as { l0: number; fvu: number };
      if (i < 2) expect(metrics.l0).toBeCloseTo(i === 0 ? 4 : 16, 5);
      expect(metrics.fvu).toBeLessThan(1.5);
    }
    const summary = await readFile(join(cwd, dir, 'summary.md'), 'utf8');
    for (const n of names) expect(summary).toContain(`| ${n} |`);
    expect(r.out).toMatch(/SAE\s+architecture\s+status\s+steps\s+FVU\s+expl\. var\s+L0\s+dead/);
    const svg = await readFile(join(cwd, dir, 'pareto.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    for (const n of names) expect(svg).toContain(n);
    expect(svg).toContain('L0 (active latents per token)');
  });

  it('--dry-run lists the SAEs and the memory of all of them, and writes nothing', async () => {
    const file = await config('dry.yaml', `  output_dir: dry
sweep:
  n_features: [344, 688]
  lr: [1e-3, 3e-4]
`);
    const r = deeplens('train', '--config', file, '--activations', DEMO_NPY, '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/name: 0-n_features344-lr0\.001/);
    expect(r.out).toMatch(/name: 3-n_features688-lr0\.0003/);
    expect(r.out).toMatch(/# memory estimate on backend 'cpu': .* for 4 SAEs/);
    expect(existsSync(join(cwd, 'dry'))).toBe(false);
  });

  it('names a key a sweep cannot vary, and every invalid combination, without a stack', async () => {
    const bad = await config('bad.yaml', `sweep:
  batch_size: [32, 64]
  data.batch_size: [32, 64]
`);
    let r = deeplens('train', '--config', bad, '--activations', DEMO_NPY);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sweep\.batch_size: is not a model key/);
    expect(r.err).toMatch(/sweep\.data\.batch_size: is shared by every SAE of a sweep/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const combos = await config('combos.yaml', `sweep:
  architecture: [topk, jumprelu]
`);
    r = deeplens('train', '--config', combos, '--activations', DEMO_NPY);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/sweep 1-jumprelu: k: is not used by architecture 'jumprelu'/);
    expect(r.err).toMatch(/sweep 1-jumprelu: l0_coefficient: is required/);
  });

  it('an SAE that diverges fails alone: the others finish, the summary names it, exit 1', async () => {
    const file = await config('diverge.yaml', `  output_dir: diverge
sweep:
  lr: [1e-3, 1e30]
`);
    const r = deeplens('train', '--config', file, '--activations', DEMO_NPY);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/1 of 2 SAEs failed \(1-lr1e_30\); the others finished/);
    const dir = /Sweep folder: (\S+)/.exec(r.out)![1]!;
    const summary = await readFile(join(cwd, dir, 'summary.md'), 'utf8');
    expect(summary).toMatch(/\| 0-lr0\.001 \| topk \| completed \| 52 \|/);
    expect(summary).toMatch(/- 1-lr1e_30 failed: training diverged at step \d+: the loss is not finite/);
  });

  it('Ctrl-C saves every SAE; --resume SWEEP_FOLDER finishes with the models of an uninterrupted sweep', async () => {
    const file = 'resume.yaml';
    await writeFile(join(cwd, file), `${BASE.replace('epochs: 2', 'epochs: 3')}  output_dir: resume
sweep:
  architecture: [topk, batchtopk]
  aux_k_coef: [0, 0.03125]
`);
    const reference = deeplens('train', '--config', file, '--activations', DEMO_NPY, '--out', 'resume-ref');
    expect(reference.code, reference.err).toBe(0);
    const refDir = /Sweep folder: (\S+)/.exec(reference.out)![1]!;

    const child = spawn(process.execPath, [BIN, 'train', '--config', file, '--activations', DEMO_NPY], { cwd, env });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && /Sweep step 10\//.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, err).toBe(130);
    expect(err).toMatch(/SIGINT received: every SAE finishes its step and saves its training state/);
    const dir = /--resume (\S+)/.exec(err)![1]!;
    const state = JSON.parse(await readFile(join(cwd, dir, 'sweep.json'), 'utf8')) as { members: { status: string }[] };
    expect(state.members.map((m) => m.status)).toEqual(['interrupted', 'interrupted', 'interrupted', 'interrupted']);

    const resumed = deeplens('train', '--config', file, '--activations', DEMO_NPY, '--resume', dir);
    expect(resumed.code, resumed.err).toBe(0);
    const after = JSON.parse(await readFile(join(cwd, dir, 'sweep.json'), 'utf8')) as { members: { name: string; status: string; runDir: string; globalStep: number }[] };
    const ref = JSON.parse(await readFile(join(cwd, refDir, 'sweep.json'), 'utf8')) as { members: { runDir: string }[] };
    for (const [i, m] of after.members.entries()) {
      expect([m.status, m.globalStep]).toEqual(['completed', 78]);
      expect((await tensors(join(cwd, m.runDir, 'best_model.safetensors'))).equals(await tensors(join(cwd, ref.members[i]!.runDir, 'best_model.safetensors'))), m.name).toBe(true);
    }
  });
});
