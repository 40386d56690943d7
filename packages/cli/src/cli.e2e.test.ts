import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** These tests run the built CLI (dist/deeplens.mjs) as a user would, in a scratch folder. */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const DEMO_NPY = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', WANDB_MODE: 'disabled' }, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

describe('deeplens: usage errors exit 1 with a message and a hint, never a stack', () => {
  it('unknown command and unknown flag get suggestions', () => {
    const a = deeplens('trian');
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/unknown command 'trian'[\s\S]*did you mean 'deeplens train'\?/);
    const b = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', 'x.pt', '--epoch', '2');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/unknown option --epoch[\s\S]*did you mean --epochs\?/);
    noStack(a.err + b.err);
  });

  it('config problems are reported together with key paths', async () => {
    await writeFile(join(cwd, 'bad.yaml'), 'input_dims: 32\nn_features: 16\nk: 20\nbeta_l1: 0.1\ntrainer:\n  epoks: 3\ndata:\n  splits: [0.5, 0.2]\n');
    const r = deeplens('train', '--config', 'bad.yaml', '--activations', join(FIX, 'small-acts.pt'), '--lr=-1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad.yaml and command-line flags: \d+ configuration problems/);
    expect(r.err).toMatch(/- k: must be an integer between 1 and n_features \(16\), got 20/);
    expect(r.err).toMatch(/- beta_l1: is set together with k; TopK and L1 sparsity are alternatives \(use k for TopK/);
    expect(r.err).toMatch(/- trainer.epoks: unknown key \(did you mean 'epochs'\?\)/);
    expect(r.err).toMatch(/- data.splits: \[0.5, 0.2\] sum to 0.7; fractions must sum to 1/);
    expect(r.err).toMatch(/- optim.lr \(from --lr\):/);
    noStack(r.err);
  });

  it('missing files, wrong widths and missing arguments', async () => {
    const cfg = join(FIX, 'small-config.yaml');
    const missing = deeplens('train', '--config', cfg, '--activations', 'nope/acts.pt');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/activation file nope\/acts.pt does not exist/);
    await writeFile(join(cwd, 'nokey.yaml'), (await readFile(cfg, 'utf8')).replace(/^ {2}key: acts\n/m, ''));
    const wide = deeplens('train', '--config', 'nokey.yaml', '--activations', DEMO_NPY);
    expect(wide.code).toBe(1);
    expect(wide.err).toMatch(/172 wide, but the model's input_dims is 32/);
    const noConfig = deeplens('train', '--activations', DEMO_NPY);
    expect(noConfig.code).toBe(1);
    expect(noConfig.err).toMatch(/train needs --config/);
    const badBackend = deeplens('train', '--config', cfg, '--activations', join(FIX, 'small-acts.pt'), '--backend', 'tpu');
    expect(badBackend.code).toBe(1);
    expect(badBackend.err).toMatch(/unknown backend 'tpu'[\s\S]*known backends: tfjs, gpujs, wasm, cpu/);
    noStack(missing.err + wide.err + noConfig.err + badBackend.err);
  });
});

describe('deeplens train / eval / info / export', () => {
  let runDir: string;

  it('--dry-run prints the resolved configuration with flag overrides', () => {
    const r = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--epochs', '7', '--no-shuffle', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^input_dims: 32$/m);
    expect(r.out).toMatch(/^ {2}epochs: 7$/m); // the file says 10
    expect(r.out).toMatch(/^ {2}shuffle: false$/m);
    expect(r.out).toMatch(/^ {2}lr: 0\.01$/m);
    expect(existsSync(join(cwd, 'saved_models'))).toBe(false);
  });

  it('trains on a dict .pt written by PyTorch and saves the run', async () => {
    const r = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--out', 'runs');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Step \[0\/15\] - train_loss: \d+\.\d{3} - train_nz_frac: 0\.062 - lr: 1\.00e-04$/m);
    const fvus = [...r.out.matchAll(/fvu: (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(fvus.at(-1)!).toBeLessThan(0.6);
    expect(fvus.at(-1)!).toBeLessThan(fvus[0]!);
    runDir = /Run folder: (.+)$/m.exec(r.out)![1]!;
    expect(runDir).toMatch(/^runs\/small\/run_\d{8}_\d{6}$/);
    const files = await readdir(join(cwd, runDir));
    expect(files).toEqual(expect.arrayContaining(['best_model.safetensors', 'config.json', 'metrics.jsonl', 'training_state.safetensors']));
  });

  it('--optimizer-in-backward and --micro-batch-size print the same losses as the default loop', () => {
    const run = (...extra: string[]) => {
      const r = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--save-checkpoints', 'false', ...extra);
      expect(r.code, r.err).toBe(0);
      return r.out.split('\n').filter((l) => /^Step \[|eval/.test(l)).map((l) => l.replace(/ - \d+ tok\/s.*$/, ''));
    };
    const plain = run();
    expect(plain.length).toBeGreaterThan(10);
    expect(run('--optimizer-in-backward')).toEqual(plain);
    // Blocks of 5 rows: the same steps, losses equal at the printed precision.
    expect(run('--micro-batch-size', '5')).toEqual(plain);
    // One worker thread instead of one per core: every product sums in the same order.
    expect(run('--threads', '1')).toEqual(plain);
    const clash = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--optimizer-in-backward', '--grad-clip-norm', '1');
    expect(clash.code).toBe(1);
    expect(clash.err).toMatch(/trainer.optimizer_in_backward \(from --optimizer-in-backward\): cannot be combined with grad_clip_norm/);
  });

  it('eval prints the metrics, and --json one object', () => {
    const text = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'));
    expect(text.code, text.err).toBe(1); // a dict .pt needs --key
    expect(text.err).toMatch(/tensors 'acts'[\s\S]*--key/);
    const r = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json');
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out);
    expect(m).toMatchObject({ rows: 600, l0: expect.any(Number), dead_fraction: expect.any(Number), nz_frac: expect.any(Number) });
    expect(m.fvu).toBeLessThan(1);
    expect(m.explained_variance).toBeCloseTo(1 - m.fvu, 10);
    expect(m.l0).toBeLessThanOrEqual(8);
    const plain = deeplens('eval', '--checkpoint', join(runDir, 'best_model.safetensors'), '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--backend', 'cpu');
    expect(plain.code, plain.err).toBe(0);
    expect(plain.out).toMatch(/^FVU: +\d\.\d{6}$/m);
    // Same checkpoint, same data: the reference backend and the default (wasm) agree.
    const cpuFvu = Number(/^FVU: +(\S+)$/m.exec(plain.out)![1]);
    expect(cpuFvu).toBeCloseTo(m.fvu, 4);
    const one = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json', '--threads', '1');
    expect(one.code, one.err).toBe(0);
    expect(JSON.parse(one.out).fvu).toBeCloseTo(m.fvu, 6);
    const bad = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--threads', '0');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--threads must be a positive integer, got 0/);
  });

  it('info describes activation files and models', () => {
    const a = deeplens('info', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json');
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out)).toMatchObject({ kind: 'activations', shape: [600, 32], dtype: 'float16', non_finite_values: 0 });
    const m = deeplens('info', runDir, '--json');
    expect(JSON.parse(m.out)).toMatchObject({ kind: 'sae model', config: { inputDims: 32, nFeatures: 128, k: 8 }, normalised_inputs: false, parameters: 32 * 128 * 2 + 128 + 32 });
  });

  it('export --format saelens writes sae_weights.safetensors and cfg.json', async () => {
    const r = deeplens('export', '--checkpoint', runDir, '--format', 'saelens', '--out', 'exported');
    expect(r.code, r.err).toBe(0);
    expect((await readdir(join(cwd, 'exported'))).sort()).toEqual(['cfg.json', 'sae_weights.safetensors']);
    expect(JSON.parse(await readFile(join(cwd, 'exported', 'cfg.json'), 'utf8'))).toMatchObject({ architecture: 'topk', k: 8, d_in: 32, d_sae: 128 });
    const bad = deeplens('export', '--checkpoint', runDir, '--format', 'sparsify', '--out', 'x');
    expect(bad.code).toBe(1);
  });

  it("trains with the tutorial's config.yaml, unchanged, on a 3072-wide .pt from PyTorch", () => {
    const r = deeplens('train', '--config', join(FIX, 'tutorial-config.yaml'), '--activations', join(FIX, 'tutorial-width.pt'), '--epochs', '1', '--batch-size', '16', '--save-checkpoints', 'false', '--eval-steps', '2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Model: 3072 → 24576 features, relu, TopK k=768, input LayerNorm/);
    expect(r.out).toMatch(/^Step \[0\/3\] - train_loss: \d+\.\d{3} - train_nz_frac: 0\.031 - lr: 1\.00e-03$/m);
    expect(r.out).toMatch(/Training completed after 3 steps/);
  });
});

describe('deeplens backends, demo, and interrupting a run', () => {
  it('backends lists every known backend and why it is unavailable', () => {
    const r = deeplens('backends');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wasm +available .*; relaxed-SIMD \(FMA\) kernels, \d+ threads? by default  ← auto$/m);
    expect(r.out).toMatch(/^cpu +available /m);
    expect(r.out).toMatch(/^gpujs +available +gpu.js .*; webasm mode — WebAssembly SIMD kernels on the CPU .*\(skipped headlessgl: the optional 'gl' package is not installed/m);
    expect(r.out).toMatch(/^tfjs +available +TensorFlow.js .*; wasm engine — tfjs-backend-wasm .*device 'auto' prefers DeepLens's wasm backend/m);
  });

  it('demo trains on the bundled activations and says where the model went', () => {
    const r = deeplens('demo', '--out', 'demo-runs');
    expect(r.code, r.err).toBe(0);
    const fvus = [...r.out.matchAll(/fvu: (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(fvus).toHaveLength(4);
    expect(fvus[3]!).toBeLessThan(0.7);
    expect(r.out).toMatch(/Best model: demo-runs\/demo\/run_\d{8}_\d{6}\/best_model\.safetensors/);
  });

  it('SIGINT finishes the step, saves the state, exits 130; --resume completes the run', async () => {
    const args = [BIN, 'train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--out', 'sig', '--epochs', '20', '--batch-size', '8'];
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, CI: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/Step \[10\//.test(out) && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (d) => void (err += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, err).toBe(130);
    expect(out).toMatch(/Training interrupted \(SIGINT\)/);
    const resume = /--resume (\S+)/.exec(err)![1]!;
    expect(existsSync(join(cwd, resume, 'training_state.safetensors'))).toBe(true);
    const again = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--out', 'sig', '--epochs', '20', '--batch-size', '8', '--resume', resume);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Training completed after 1200 steps/);
  });
});
