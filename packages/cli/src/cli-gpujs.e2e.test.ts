import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built CLI with @deeplens/backend-gpujs installed beside it: it loads the plugin by package
 * name and trains and evaluates on gpu.js's WebAssembly kernels (no `gl` here, no browser).
 */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-cli-gpujs-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('deeplens with --backend gpujs (webasm mode)', () => {
  let runDir = '';

  it('train: the same config trains on gpu.js and says which mode it took and why the GPU modes were skipped', async () => {
    const r = deeplens('train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--out', 'runs', '--backend', 'gpujs');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^note: backend 'gpujs': webasm mode — WebAssembly SIMD kernels on the CPU .*\(skipped headlessgl: the optional 'gl' package is not installed or not built: .*npm i gl@8\.1\.6/m);
    expect(r.out).toMatch(/Training: 10 epochs on backend 'gpujs'/);
    const fvus = [...r.out.matchAll(/fvu: (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(fvus.at(-1)!).toBeLessThan(0.6);
    expect(fvus.at(-1)!).toBeLessThan(fvus[0]!);
    runDir = /Run folder: (.+)$/m.exec(r.out)![1]!;
    expect(await readdir(join(cwd, runDir))).toEqual(expect.arrayContaining(['best_model.safetensors', 'config.json', 'metrics.jsonl']));
  });

  it('eval on gpujs gives the FVU and L0 the reference cpu backend gives for the same model', () => {
    const run = (...backend: string[]) => {
      const r = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json', ...backend);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { fvu: number; l0: number };
    };
    const gpujs = run('--backend', 'gpujs');
    const cpu = run('--backend', 'cpu');
    expect(gpujs.fvu).toBeCloseTo(cpu.fvu, 5);
    expect(gpujs.l0).toBeCloseTo(cpu.l0, 5);
  });

  it('the same training on gpujs and on the reference cpu backend prints the same losses', () => {
    const lines = (out: string) => out.split('\n').filter((l) => /^(Step \[|Final eval)/.test(l)).map((l) => l.replace(/ - \d+ tok\/s.*$/, ''));
    const args = ['train', '--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt'), '--save-checkpoints', 'false', '--epochs', '2'];
    const g = deeplens(...args, '--backend', 'gpujs');
    const c = deeplens(...args, '--backend', 'cpu');
    expect(g.code, g.err).toBe(0);
    expect(lines(g.out).length).toBeGreaterThan(2);
    expect(lines(g.out)).toEqual(lines(c.out));
  });
});
