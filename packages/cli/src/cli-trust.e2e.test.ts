import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNpy } from '@deeplens/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The built CLI against what goes wrong in real use: signals, kill -9, closed pipes, runs started
 * together, read-only and full disks, models that do not fit, model files moved away from their run.
 */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const FIX = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SMALL = ['--config', join(FIX, 'small-config.yaml'), '--activations', join(FIX, 'small-acts.pt')];
const DEMO_NPY = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-trust-'));
  // The small config without its data.key, for .npy files; and other activations of the same shape.
  await writeFile(join(cwd, 'nokey.yaml'), (await readFile(join(FIX, 'small-config.yaml'), 'utf8')).replace(/^ {2}key: acts\n/m, ''));
  await writeNpy(join(cwd, 'other-acts.npy'), Float32Array.from({ length: 600 * 32 }, (_, i) => Math.max(0, Math.sin(i * 0.37))), [600, 32]);
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const env = { ...process.env, CI: '1', WANDB_MODE: 'disabled' };

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A shell line in the scratch folder, with `deeplens` as the built CLI. */
function sh(script: string) {
  const r = spawnSync('bash', ['-c', `deeplens() { "${process.execPath}" "${BIN}" "$@"; }; ${script}`], { cwd, encoding: 'utf8', env, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

/** The tensor bytes and progress of a safetensors file (header metadata aside). */
async function safetensorsParts(path: string) {
  const bytes = await readFile(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as { __metadata__?: Record<string, string> };
  return { data: bytes.subarray(8 + n), metadata: header.__metadata__ ?? {} };
}

/** Start the CLI; call `onOut` (`onErr`) with all stdout (stderr) so far as it grows. */
type Watch = (text: string, child: ReturnType<typeof spawn>) => void;
function start(args: string[], onOut: Watch, onErr: Watch = () => {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
    onOut(out, child);
  });
  child.stderr!.on('data', (d) => {
    err += d;
    onErr(err, child);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
  return { child, done };
}

describe('stopping and not losing work', () => {
  it('SIGINT on the cpu backend stops after the current step, not at an epoch end; a second SIGINT exits at once', async () => {
    // One epoch of the demo data is 256 steps: the old loop only looked at signals at a window or epoch boundary.
    const base = ['train', '--config', 'nokey.yaml', '--activations', DEMO_NPY, '--input-dims', '172', '--n-features', '1376', '--k', '16',
      '--backend', 'cpu', '--batch-size', '8', '--log-every-steps', '1', '--eval-steps', '100000', '--splits', '1', '--epochs', '1'];
    let sentAt = -1;
    const first = start([...base, '--out', 'sig'], (out, child) => {
      const m = /Step \[(\d+)\//.exec(out);
      if (m && sentAt < 0) {
        sentAt = Number(m[1]);
        child.kill('SIGINT');
      }
    });
    const r = await first.done;
    expect(r.code, r.err).toBe(130);
    const runDir = /--resume (\S+)/.exec(r.err)![1]!;
    const progress = JSON.parse((await safetensorsParts(join(cwd, runDir, 'training_state.safetensors'))).metadata['progress']!) as { globalStep: number };
    expect(progress.globalStep).toBeGreaterThan(sentAt);
    expect(progress.globalStep).toBeLessThanOrEqual(sentAt + 3); // the step in flight, and the lines still in the pipe
    expect(progress.globalStep).toBeLessThan(256);

    // Steps of seconds (a 64× dictionary, 512 rows): the second SIGINT lands while the first waits for its step.
    const slow = [...base.map((a) => (a === '1376' ? '11008' : a)), '--batch-size', '512', '--out', 'sig2'];
    let signals = 0;
    const twice = start(slow, (out, child) => {
      if (/Step \[\d+\//.test(out) && signals === 0) {
        signals++;
        child.kill('SIGINT');
      }
    }, (err, child) => {
      if (/SIGINT received: finishing/.test(err) && signals === 1) {
        signals++;
        child.kill('SIGINT');
      }
    });
    const t = await twice.done;
    expect(t.code, t.err).toBe(130);
    expect(t.err).toMatch(/SIGINT received again: aborting now; the training state saved at step \d+ is kept/);
    noStack(t.err);
  });

  it('kill -9 at a random step, then --resume, ends with the same weights as a run never interrupted', async () => {
    // 206 steps of ~30 ms on the cpu backend (deterministic), the state saved every 7 steps.
    const args = ['--config', 'nokey.yaml', '--activations', DEMO_NPY, '--input-dims', '172', '--n-features', '2752', '--k', '16', '--model-name', 'small',
      '--backend', 'cpu', '--epochs', '2', '--batch-size', '16', '--checkpoint-every-steps', '7', '--log-every-steps', '1'];
    const whole = deeplens('train', ...args, '--out', 'k9-whole');
    expect(whole.code, whole.err).toBe(0);
    const killAt = 10 + Math.floor(Math.random() * 180); // of 206 steps
    const victim = start(['train', ...args, '--out', 'k9'], (out, child) => {
      // One line per step (Step [i/n] counts within the epoch).
      if ((out.match(/^Step \[/gm)?.length ?? 0) >= killAt && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    const killed = await victim.done;
    expect(killed.signal, `killed at step ${killAt}`).toBe('SIGKILL');
    const [name] = await readdir(join(cwd, 'k9', 'small'));
    const runDir = join('k9', 'small', name!);
    const resumed = deeplens('train', ...args, '--resume', runDir);
    expect(resumed.code, `killed at step ${killAt}: ${resumed.err}`).toBe(0);
    expect(resumed.out).toMatch(/Training completed after 206 steps/);
    const [wholeName] = await readdir(join(cwd, 'k9-whole', 'small'));
    const a = await safetensorsParts(join(cwd, 'k9-whole', 'small', wholeName!, 'training_state.safetensors'));
    const b = await safetensorsParts(join(cwd, runDir, 'training_state.safetensors'));
    expect(Buffer.compare(a.data, b.data), `weights, Adam moments and latent activity after a kill at step ${killAt}`).toBe(0);
    expect((await readdir(join(cwd, runDir))).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a closed stdout (| head -1) does not stop training; lines through a pipe all arrive', async () => {
    const r = sh(`deeplens train ${SMALL.join(' ')} --out pipe --epochs 2 | head -1; echo "exit \${PIPESTATUS[0]}" >&2`);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/exit 0/);
    expect(r.err).not.toMatch(/EPIPE|internal error/);
    const [name] = await readdir(join(cwd, 'pipe', 'small'));
    const metrics = (await readFile(join(cwd, 'pipe', 'small', name!, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    // The last line is the final evaluation at step 30 (2 epochs of 15): the run went on after head left.
    expect(JSON.parse(metrics.at(-1)!)).toMatchObject({ step: 30, global_step: 30, epoch: 1 });
    expect(JSON.parse(metrics.at(-1)!)['eval/fvu']).toEqual(expect.any(Number));
    const whole = sh(`deeplens train ${SMALL.join(' ')} --out pipe2 --epochs 2 | cat`);
    expect(whole.code).toBe(0);
    expect(whole.out).toMatch(/Training completed after 30 steps[\s\S]*Best model: /);
  });

  it('--resume with other activations is refused unless --force-resume', async () => {
    const stopped = deeplens('train', ...SMALL, '--out', 'fp', '--epochs', '1');
    expect(stopped.code).toBe(0);
    const runDir = /Run folder: (.+)$/m.exec(stopped.out)![1]!;
    const other = deeplens('train', '--config', 'nokey.yaml', '--activations', 'other-acts.npy', '--resume', runDir, '--epochs', '2');
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/was trained on other data: train data 480x32:[0-9a-f]+ \(the run had 480x32:[0-9a-f]+\); eval data[\s\S]*--force-resume/);
    noStack(other.err);
    const forced = deeplens('train', '--config', 'nokey.yaml', '--activations', 'other-acts.npy', '--resume', runDir, '--epochs', '2', '--force-resume');
    expect(forced.code, forced.err).toBe(0);
    expect(forced.err).toMatch(/continuing because of --force-resume/);
  });
});

describe('runs that never mix', () => {
  it('two trainings started together into one --out get their own run folders and their own files', async () => {
    const runs = await Promise.all([1, 2].map((seed) => start(['train', ...SMALL, '--out', 'together', '--epochs', '2', '--seed', String(seed)], () => {}).done));
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const dirs = runs.map((r) => /Run folder: (.+)$/m.exec(r.out)![1]!);
    expect(new Set(dirs).size).toBe(2);
    for (const [i, dir] of dirs.entries()) {
      const config = JSON.parse(await readFile(join(cwd, dir, 'config.json'), 'utf8')) as { trainer: { random_seed: number } };
      expect(config.trainer.random_seed).toBe(i + 1);
    }
  });
});

describe('output paths: a user error that names the path, before any work', () => {
  it('--out that is a file, under /proc or /sys, and export --out that is a file', async () => {
    await writeFile(join(cwd, 'a-file'), 'x');
    for (const out of ['a-file', '/proc/deeplens-x', '/sys/deeplens-x']) {
      const r = deeplens('train', ...SMALL, '--out', out, '--epochs', '1');
      expect(r.code, `${out}: ${r.err}`).toBe(1);
      expect(r.err).toMatch(new RegExp(`error: ${out}[^\\n]*: cannot[^\\n]*\\n {2}hint: `));
      expect(r.out).not.toMatch(/Step \[/);
      noStack(r.err);
    }
    const trained = deeplens('train', ...SMALL, '--out', 'ok', '--epochs', '1');
    const runDir = /Run folder: (.+)$/m.exec(trained.out)![1]!;
    const exp = deeplens('export', '--checkpoint', runDir, '--format', 'saelens', '--out', 'a-file');
    expect(exp.code).toBe(1);
    expect(exp.err).toMatch(/a-file[^\n]*exists and is not a folder/);
    noStack(exp.err);
  });

  // A small tmpfs in a private mount namespace (unshare from util-linux): read-only, and one too small for a checkpoint.
  it('a read-only folder and a full disk (tmpfs)', async () => {
    expect(spawnSync('unshare', ['-rm', 'true']).status, 'unshare -rm (a private mount namespace) must work here').toBe(0);
    await mkdir(join(cwd, 'mnt'), { recursive: true });
    const ro = sh(`unshare -rm bash -c 'mount -t tmpfs -o ro,size=1m tmpfs mnt && deeplens() { "${process.execPath}" "${BIN}" "$@"; }; deeplens train ${SMALL.join(' ')} --out mnt/runs --epochs 1'`);
    expect(ro.code, ro.err).toBe(1);
    expect(ro.err).toMatch(/error: mnt\/runs: cannot be created: is on a read-only file system\n {2}hint: choose a folder on a writable disk/);
    noStack(ro.err);
    const full = sh(`unshare -rm bash -c 'mount -t tmpfs -o size=48k tmpfs mnt && deeplens() { "${process.execPath}" "${BIN}" "$@"; }; deeplens train ${SMALL.join(' ')} --out mnt/runs --epochs 1 --eval-steps 1'`);
    expect(full.code, full.err).toBe(1);
    expect(full.err).toMatch(/error: mnt\/runs\/small\/run_\d+_\d+\/[\w.]+: cannot be written: no space left on the device\n {2}hint: free disk space/);
    noStack(full.err);
  });
});

describe('memory: estimated and checked before anything is allocated', () => {
  it('the tutorial\'s 16× SAE at GPT-2 width does not fit wasm: exit 1 with the estimate and the options, no run folder', async () => {
    const args = ['--config', join(FIX, 'tutorial-config.yaml'), '--activations', join(FIX, 'tutorial-width.pt'), '--n-features', '49152', '--batch-size', '16', '--out', 'mem'];
    const r = deeplens('train', ...args, '--backend', 'wasm');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/training this model needs about 4\.\d\d GiB \(parameters 1\.13 GiB, Adam moments 2\.25 GiB[^)]*\), but backend 'wasm' can hold at most 4\.00 GiB\n {2}hint: try optimizer_in_backward: true/);
    expect(existsSync(join(cwd, 'mem'))).toBe(false);
    noStack(r.err);
    const dry = deeplens('train', ...args, '--backend', 'cpu', '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/^# memory estimate on backend 'cpu': 4\.\d\d GiB \(parameters/m);
    expect(dry.err).toMatch(/warning: this model cannot be exported to SAELens later[^\n]*input_norm/);
    const huge = deeplens('train', ...args, '--backend', 'cpu', '--n-features', '2e9');
    expect(huge.code).toBe(1);
    expect(huge.err).toMatch(/GiB of memory/);
    noStack(huge.err);
  });

  it('--threads beyond the cores is capped with a warning', () => {
    const r = deeplens('train', ...SMALL, '--threads', '999', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: --threads 999 is more than the \d+ cores here; using \d+/);
  });
});

describe('a model file carries what it needs', () => {
  it('a model moved away from its run evaluates, exports and describes itself the same; a corrupt or foreign config.json is handled', async () => {
    const demo = deeplens('demo', '--out', 'selfc', '--epochs', '1', '--quiet');
    expect(demo.code, demo.err).toBe(0);
    const runDir = /Best model: (.+)\/best_model\.safetensors/.exec(demo.out)![1]!;
    await mkdir(join(cwd, 'moved'));
    await copyFile(join(cwd, runDir, 'best_model.safetensors'), join(cwd, 'moved', 'sae.safetensors'));
    const inRun = deeplens('eval', '--checkpoint', runDir, '--activations', DEMO_NPY, '--json');
    const moved = deeplens('eval', '--checkpoint', 'moved/sae.safetensors', '--activations', DEMO_NPY, '--json');
    expect(moved.code, moved.err).toBe(0);
    expect(JSON.parse(moved.out).fvu).toBe(JSON.parse(inRun.out).fvu);
    expect(JSON.parse(deeplens('info', 'moved/sae.safetensors', '--json').out).normalised_inputs).toBe(true);
    const exported = deeplens('export', '--checkpoint', 'moved/sae.safetensors', '--format', 'saelens', '--out', 'moved-export');
    expect(exported.out).toMatch(/normalisation folded into the weights/);

    await copyFile(join(cwd, runDir, 'config.json'), join(cwd, 'moved', 'config.json'));
    const foreign = JSON.parse(await readFile(join(cwd, 'moved', 'config.json'), 'utf8')) as { dataset: { norm: { mean: number[] } } };
    foreign.dataset.norm.mean[0]! += 1;
    await writeFile(join(cwd, 'moved', 'config.json'), JSON.stringify(foreign));
    const warned = deeplens('eval', '--checkpoint', 'moved/sae.safetensors', '--activations', DEMO_NPY, '--json');
    expect(JSON.parse(warned.out).fvu).toBe(JSON.parse(inRun.out).fvu);
    expect(warned.err).toMatch(/warning: moved\/config.json does not match moved\/sae.safetensors \(normalisation statistics differ/);

    await writeFile(join(cwd, 'moved', 'config.json'), '{"input_dims": 172, trunc');
    const corrupt = deeplens('eval', '--checkpoint', 'moved/sae.safetensors', '--activations', DEMO_NPY);
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toMatch(/moved\/config.json: is not a valid run config/);
    noStack(corrupt.err);
  });

  it('NaN weights are an error naming the tensor, also as JSON', async () => {
    const trained = deeplens('train', ...SMALL, '--out', 'nan', '--epochs', '1');
    const runDir = /Run folder: (.+)$/m.exec(trained.out)![1]!;
    const path = join(cwd, runDir, 'best_model.safetensors');
    const bytes = await readFile(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
    bytes.writeFloatLE(Number.NaN, 8 + n + header['b_enc']!.data_offsets[0]);
    await writeFile(path, bytes);
    const r = deeplens('eval', '--checkpoint', runDir, '--activations', join(FIX, 'small-acts.pt'), '--key', 'acts', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'DEEPLENS_MODEL_FILE', message: expect.stringMatching(/tensor 'b_enc' holds 1 NaN\/Inf value/) });
  });

  it('--init-from takes a run folder, as its hint says', async () => {
    const first = deeplens('train', ...SMALL, '--out', 'init', '--epochs', '1');
    const runDir = /Run folder: (.+)$/m.exec(first.out)![1]!;
    const r = deeplens('train', ...SMALL, '--out', 'init', '--epochs', '1', '--init-from', runDir);
    expect(r.code, r.err).toBe(0);
  });

  it('--lr -1e-3 is read as a value (and rejected as a value), blamed on the flag', () => {
    const r = deeplens('train', ...SMALL, '--lr', '-1e-3', '--dry-run');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/command-line flags: 1 configuration problem:\n {2}- optim.lr \(from --lr\): /);
    expect(r.err).not.toMatch(/ambiguous|small-config.yaml/);
  });
});
