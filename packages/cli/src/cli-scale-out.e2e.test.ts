import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestRedis, type TestRedis } from '@deeplens/queue/testing';
import { S3Store } from '@deeplens/storage-s3';
import { startTestS3, TEST_CREDENTIALS, type TestS3 } from '@deeplens/storage-s3/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Sweeps across machines through the built CLI: redis-server and an S3 server on loopback, two
 * `deeplens worker` processes, a sweep of 4 SAEs reading activations from the bucket; one worker is
 * SIGKILLed in the middle of a job, the other takes the job over from its last state in the bucket.
 */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const DEMO_NPY = fileURLToPath(new URL('../../../data/demo/stories260K-layer3-mlp-hidden-2048.npy', import.meta.url));
const BUCKET = 'sweeps';

let cwd: string;
let redis: TestRedis;
let s3: TestS3;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-scale-'));
  [redis, s3] = await Promise.all([startTestRedis(), startTestS3(BUCKET)]);
  env = {
    ...process.env, CI: '1', WANDB_MODE: 'disabled', AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', DEEPLENS_QUEUE: redis.url,
  };
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'acts/layer3/shard_0.npy', Body: await readFile(DEMO_NPY) }));
}, 60_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all([redis?.close(), s3?.close()]);
  await rm(cwd, { recursive: true, force: true });
});

const SWEEP = `input_dims: 172
n_features: 344
activation: relu
k: 8
data:
  batch_size: 64
trainer:
  epochs: 8
  eval_steps: 50
  log_every_steps: 10
  device: cpu
  model_name: tiny
sweep:
  architecture: [topk, batchtopk]
  k: [4, 16]
`;

/** The CLI as a child process, awaited without blocking: the S3 server runs in this process and must keep answering. */
function deeplens(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function worker(name: string, ...extra: string[]): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [BIN, 'worker', '--lock-seconds', '3', '--scratch', join(cwd, name), ...extra], { cwd, env });
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  children.push(child);
  return { child, log: () => log };
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The parameter tensors of a model file (everything after the safetensors header). */
function tensorBytes(bytes: Uint8Array): Buffer {
  const b = Buffer.from(bytes);
  return b.subarray(8 + Number(b.readBigUInt64LE(0)));
}

describe('deeplens sweep submit / worker / status / results', () => {
  it('trains a 4-SAE sweep on two workers; a SIGKILLed worker\'s job resumes elsewhere and ends bit-identical to a single-process run', async () => {
    await writeFile(join(cwd, 'sweep.yaml'), SWEEP);
    const submit = await deeplens('sweep', 'submit', '--config', 'sweep.yaml', '--activations', `s3://${BUCKET}/acts/layer3/`, '--out', `s3://${BUCKET}/runs`, '--checkpoint-every-steps', '20', '--sweep-id', 'e2e');
    expect(submit.code, submit.err).toBe(0);
    expect(submit.out).toContain('Sweep e2e: 4 SAEs queued (0-topk-k4, 1-topk-k16, 2-batchtopk-k4, 3-batchtopk-k16)');

    const store = new S3Store({ client: s3.client });
    const a = worker('a');
    const b = worker('b');
    // Kill worker a once the job it is training has a training state in the bucket (it is mid-job).
    const victim = await until('worker a to save a state mid-job', async () => {
      const started = [...a.log().matchAll(/\] (\S+): starting/g)].map((m) => m[1]!);
      const current = started.at(-1);
      if (!current || a.log().includes(`e2e/${current}: completed`)) return undefined;
      const state = await store.get(`s3://${BUCKET}/runs/e2e/${current}/training_state.safetensors`);
      return state ? current : undefined;
    });
    a.child.kill('SIGKILL');
    const status = await deeplens('sweep', 'status', 'e2e');
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(new RegExp(`${victim}\\s+active`));

    await until('every SAE to finish', async () => {
      const s = await deeplens('sweep', 'status', 'e2e', '--json');
      const jobs = (JSON.parse(s.out) as { jobs: { state: string }[] }).jobs;
      return jobs.every((j) => j.state === 'completed') ? true : jobs.some((j) => j.state === 'failed') ? Promise.reject(new Error(s.out)) : undefined;
    }, 240_000);
    expect(b.log()).toMatch(new RegExp(`${victim}: resuming from step [1-9]\\d* of the state in s3://${BUCKET}/runs/e2e/${victim}`));
    const final = await deeplens('sweep', 'status', 'e2e');
    expect(final.out).toContain('4 SAEs: 4 done, 0 running, 0 queued, 0 failed');
    expect(final.out).toMatch(new RegExp(`${victim}\\s+completed.*from \\d+`));

    const results = await deeplens('sweep', 'results', 'e2e');
    expect(results.code, results.err).toBe(0);
    expect(results.out).toMatch(/SAE\s+architecture\s+status/);
    for (const f of ['summary.md', 'summary.json', 'pareto.svg', 'sweep.json']) expect(await store.get(`s3://${BUCKET}/runs/e2e/${f}`), f).toBeDefined();
    expect(new TextDecoder().decode(await store.get(`s3://${BUCKET}/runs/e2e/pareto.svg`))).toContain('<svg');

    // The same sweep in one process on the local file: every model, the resumed one included, bit for bit.
    const local = await deeplens('train', '--config', 'sweep.yaml', '--activations', DEMO_NPY, '--quiet', '--out', 'local');
    expect(local.code, local.err).toBe(0);
    for (const name of ['0-topk-k4', '1-topk-k16', '2-batchtopk-k4', '3-batchtopk-k16']) {
      const remote = await store.get(`s3://${BUCKET}/runs/e2e/${name}/best_model.safetensors`);
      const mine = spawnSync('find', [join(cwd, 'local'), '-path', `*${name}*`, '-name', 'best_model.safetensors'], { encoding: 'utf8' }).stdout.trim();
      expect(mine, `${name}'s local model`).not.toBe('');
      expect(tensorBytes(remote!).equals(tensorBytes(await readFile(mine))), `${name} differs`).toBe(true);
    }
    b.child.kill('SIGTERM');
  }, 420_000);

  it('fails a job with a user error at once, with its message, and does not retry it', async () => {
    await writeFile(join(cwd, 'one.yaml'), 'input_dims: 172\nn_features: 344\nk: 8\ntrainer:\n  epochs: 1\n  device: cpu\n');
    const submit = await deeplens('sweep', 'submit', '--config', 'one.yaml', '--activations', `s3://${BUCKET}/acts/missing/`, '--out', `s3://${BUCKET}/runs`, '--sweep-id', 'bad');
    expect(submit.code, submit.err).toBe(0);
    const w = worker('c', '--exit-when-idle');
    const exited = new Promise<number | null>((resolve) => w.child.on('close', resolve));
    const out = await until('the job to fail', async () => {
      const s = await deeplens('sweep', 'status', 'bad');
      return /^0\s+failed/m.test(s.out) ? s.out : undefined;
    });
    expect(out).toMatch(/^0\s+failed\s+1\s/m);
    expect(out).toContain('- 0: s3://sweeps/acts/missing/ holds no activation files');
    // Nothing is left to do: the worker started with --exit-when-idle ends by itself.
    expect(await exited).toBe(0);
    expect(w.log()).toContain('the queue is empty; exiting');
  }, 120_000);

  it('train --out s3://: the run folder is written to the bucket; Ctrl-C, then --resume s3://…, ends bit-identical to an uninterrupted run', async () => {
    await writeFile(join(cwd, 'single.yaml'), 'input_dims: 172\nn_features: 344\nk: 8\ndata:\n  batch_size: 64\ntrainer:\n  epochs: 12\n  eval_steps: 100\n  device: cpu\n  model_name: single\n  checkpoint_every_steps: 40\n');
    const store = new S3Store({ client: s3.client });
    const child = spawn(process.execPath, [BIN, 'train', '--config', 'single.yaml', '--activations', `s3://${BUCKET}/acts/layer3/shard_0.npy`, '--out', `s3://${BUCKET}/single`], { cwd, env });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until('a training state in the bucket', async () => ((await store.list(`s3://${BUCKET}/single/`)).some((u) => u.endsWith('/training_state.safetensors')) ? true : undefined));
    child.kill('SIGINT');
    expect(await exited, err).toBe(130);
    const resume = /--resume (s3:\/\/\S+)/.exec(err)?.[1];
    expect(resume, err).toMatch(new RegExp(`^s3://${BUCKET}/single/single/run_\\d{8}_\\d{6}$`));
    const resumed = await deeplens('train', '--config', 'single.yaml', '--activations', `s3://${BUCKET}/acts/layer3/shard_0.npy`, '--out', `s3://${BUCKET}/single`, '--resume', resume!, '--quiet');
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`The run's files are in ${resume}/`);
    const names = (await store.list(`${resume}/`)).map((u) => u.slice(resume!.length + 1)).sort();
    expect(names).toEqual(expect.arrayContaining(['best_model.safetensors', 'config.json', 'metrics.jsonl', 'training_state.safetensors']));
    const whole = await deeplens('train', '--config', 'single.yaml', '--activations', DEMO_NPY, '--out', 'whole', '--quiet');
    expect(whole.code, whole.err).toBe(0);
    const mine = spawnSync('find', [join(cwd, 'whole'), '-name', 'best_model.safetensors'], { encoding: 'utf8' }).stdout.trim();
    expect(tensorBytes((await store.get(`${resume}/best_model.safetensors`))!).equals(tensorBytes(await readFile(mine)))).toBe(true);
  }, 240_000);

  it('extract --out s3://: shards and manifest land in the bucket, a second run finds it complete, and train reads it from there', async () => {
    const models = fileURLToPath(new URL('../../extract/fixtures/', import.meta.url));
    const args = ['extract', '--model', join(models, 'stories260K.bin'), '--tokenizer', join(models, 'tok512.bin'), '--layer', '3', '--site', 'mlp_hidden', '--sample', '24', '--max-tokens', '4000', '--batch-size', '2', '--shard-tokens', '800', '--out', `s3://${BUCKET}/extracted/l3/`];
    const first = await deeplens(...args);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/Extracted 4,000 tokens \(172 wide, float32\) from \d+ documents into \d+ shards in s3:\/\/sweeps\/extracted\/l3\//);
    const store = new S3Store({ client: s3.client });
    const manifest = JSON.parse(new TextDecoder().decode(await store.get(`s3://${BUCKET}/extracted/l3/manifest.json`))) as { complete: boolean; shards: { file: string }[]; tokens: number };
    expect(manifest.complete).toBe(true);
    expect(manifest.shards.length).toBeGreaterThan(1);
    expect((await store.list(`s3://${BUCKET}/extracted/l3/`)).sort()).toEqual([...manifest.shards.map((x) => `s3://${BUCKET}/extracted/l3/${x.file}`), `s3://${BUCKET}/extracted/l3/manifest.json`].sort());
    const again = await deeplens(...args);
    expect(again.out).toContain('already holds this extraction, complete: 4,000 tokens');
    await writeFile(join(cwd, 'ext.yaml'), 'input_dims: 172\nn_features: 344\nk: 8\ntrainer:\n  epochs: 1\n  device: cpu\n  model_name: ext\n');
    const train = await deeplens('train', '--config', 'ext.yaml', '--activations', `s3://${BUCKET}/extracted/l3/`, '--out', 'ext-runs', '--quiet');
    expect(train.code, train.err).toBe(0);
    expect(train.out).toMatch(/Training completed after 100 steps[^]*Final eval: .*FVU \d+\.\d+/);
  }, 180_000);

  it('explains a missing queue and an unknown sweep', async () => {
    const r = spawnSync(process.execPath, [BIN, 'sweep', 'status'], { cwd, encoding: 'utf8', env: { ...env, DEEPLENS_QUEUE: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('this command needs --queue redis://host:6379');
    const unknown = await deeplens('sweep', 'status', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/the queue holds no sweep 'nope'/);
    const down = await deeplens('sweep', 'status', '--queue', 'redis://127.0.0.1:1');
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/error: cannot reach the job queue's Redis at 127\.0\.0\.1:1/);
  });
});
