import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built CLI with @deeplens/backend-tfjs installed beside it (as a user adds it): it loads the
 * plugin by package name, trains, evaluates and runs the demo on tfjs's wasm engine.
 */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-cli-tfjs-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

describe('deeplens with --backend tfjs (wasm engine)', () => {
  let runDir = '';

  it('train: the same config trains on tfjs and says which engine it took and why better ones were skipped', async () => {
    const r = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--out', 'runs', '--backend', 'tfjs', '--tfjs-engine', 'wasm');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^note: backend 'tfjs': wasm engine — tfjs-backend-wasm/m);
    expect(r.out).toMatch(/Training: 10 epochs on backend 'tfjs'/);
    const fvus = [...r.out.matchAll(/fvu: (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(fvus.at(-1)!).toBeLessThan(0.6);
    expect(fvus.at(-1)!).toBeLessThan(fvus[0]!);
    runDir = /Run folder: (.+)$/m.exec(r.out)![1]!;
    expect(await readdir(join(cwd, runDir))).toEqual(expect.arrayContaining(['best_model.safetensors', 'config.json', 'metrics.jsonl']));
    const auto = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--save-checkpoints', 'false', '--epochs', '1', '--tfjs-engine', 'auto');
    expect(auto.code, auto.err).toBe(0);
    expect(auto.err).toMatch(/^note: backend 'tfjs': wasm engine — .*\(skipped tensorflow: neither @tensorflow\/tfjs-node-gpu \(CUDA\) nor @tensorflow\/tfjs-node is installed .*; webgpu: .*; webgl: needs a browser\)$/m);
  });

  it('eval on tfjs gives the FVU the reference cpu backend gives for the same model', () => {
    const run = (...backend: string[]) => {
      const r = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json', ...backend);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { fvu: number; l0: number };
    };
    const tfjs = run('--backend', 'tfjs', '--tfjs-engine', 'wasm');
    const cpu = run('--backend', 'cpu');
    expect(tfjs.fvu).toBeCloseTo(cpu.fvu, 5);
    expect(tfjs.l0).toBeCloseTo(cpu.l0, 5);
  });

  it('demo --backend tfjs trains the demo SAE on tfjs, printing the losses the reference cpu backend prints', () => {
    const r = deeplens('demo', '--out', 'demo-runs', '--backend', 'tfjs', '--epochs', '1');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/on backend 'tfjs'/);
    expect(r.out).toMatch(/Best model: demo-runs\/demo\/run_\d{8}_\d{6}\/best_model\.safetensors/);
    const cpu = deeplens('demo', '--out', 'demo-runs', '--backend', 'cpu', '--epochs', '1');
    const lines = (out: string) => out.split('\n').filter((l) => /^(Step \[|Final eval)/.test(l)).map((l) => l.replace(/ - \d+ tok\/s.*$/, ''));
    expect(lines(r.out).length).toBeGreaterThan(3);
    expect(lines(r.out)).toEqual(lines(cpu.out));
  });

  it('an unknown engine, and the tensorflow engine without tfjs-node(-gpu), are user errors that say what to do (exit 1, no stack)', () => {
    const bad = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--tfjs-engine', 'cuda');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown tfjs engine 'cuda'[\s\S]*hint: use one of auto, tensorflow, webgpu, webgl, wasm, cpu/);
    const tf = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--backend', 'tfjs', '--tfjs-engine', 'tensorflow');
    expect(tf.code).toBe(1);
    expect(tf.err).toMatch(/the tfjs 'tensorflow' engine cannot run here: @tensorflow\/tfjs-node-gpu is not installed \(install it with `npm i @tensorflow\/tfjs-node-gpu@4\.22\.0`/);
    expect(tf.err).toMatch(/TFJS_NODE_CDN_STORAGE=<mirror>\/ npm_config_tfjs_binding_binary_host_mirror=<mirror>\//);
    noStack(bad.err + tf.err);
  });
});
