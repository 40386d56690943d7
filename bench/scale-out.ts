/**
 * `pnpm bench:scale`: the numbers the "Scaling out" docs page is built on, all measured in one run on
 * this machine —
 *   1. one worker's training throughput (tokens/s) on config (a), TopK d=768 F=6144 k=32 B=4096, wasm;
 *   2. S3 read throughput of the activation reader (ranged GETs, 8 MiB parts, 4 in flight) from an
 *      S3-compatible server (s3rver) in another process on the loopback address, against the same
 *      file on local disk, and the multipart write throughput;
 *   3. training config (a) with the activations in the bucket against on local disk: tokens/s and
 *      data_wait_ms (the time each step waited for its batch) — whether the loader's read-ahead keeps up.
 * Writes bench/scale-out.json and bench/scale-out.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActivationsDatasetBuilder, openActivations, writeNpy } from '@deeplens/core/node';
import { Adam, SparseAutoencoder, type ActivationSource } from '@deeplens/core';
import { wasmBackendPlugin } from '@deeplens/backend-wasm';
import { openS3Activations, S3Store } from '@deeplens/storage-s3';
import { testClient } from '@deeplens/storage-s3/testing';
import { SAETrainer } from '@deeplens/trainer';
import { CONFIGS } from './configs.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const here = fileURLToPath(new URL('.', import.meta.url));
const cfg = CONFIGS.a;
const ROWS = 131_072; // 384 MiB of float32 rows at d = 768
const work = await mkdtemp(join(tmpdir(), 'deeplens-bench-scale-'));

function simd(): string[] {
  const flags = spawnSync('grep', ['-m1', '^flags', '/proc/cpuinfo'], { encoding: 'utf8' }).stdout;
  return ['sse4_2', 'avx', 'fma', 'avx2', 'avx512f'].filter((f) => new RegExp(`\\b${f}\\b`).test(flags));
}

async function startServer(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@deeplens/source', join(here, 's3-server-process.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { endpoint: string }).endpoint)));
  return { endpoint, stop: () => void child.kill('SIGTERM') };
}

/** Read every row in windows of 8192 rows, as the loader's windows do; MB/s. */
async function readAll(source: ActivationSource): Promise<{ seconds: number; mbPerSec: number }> {
  const window = 8192;
  const buf = new Float32Array(window * source.cols);
  const t = performance.now();
  for (let r = 0; r < source.rows; r += window) await source.readRows(r, Math.min(window, source.rows - r), buf.subarray(0, Math.min(window, source.rows - r) * source.cols));
  const seconds = (performance.now() - t) / 1000;
  return { seconds, mbPerSec: (source.rows * source.cols * 4) / 2 ** 20 / seconds };
}

/** Train config (a) for `steps` steps on `activations`; tokens/s and the mean data wait per step. */
async function train(activations: ActivationSource, steps: number): Promise<{ tokensPerSec: number; dataWaitMs: number; stepMs: number }> {
  const backend = await wasmBackendPlugin.create();
  const { train: loader } = await new ActivationsDatasetBuilder({ activations, batchSize: cfg.batch, splits: [1], shuffle: true, seed: 1 }).getDataloaders();
  const model = SparseAutoencoder.create({ backend, config: { inputDims: cfg.d, nFeatures: cfg.F, k: cfg.k }, seed: 1 });
  const waits: number[] = [];
  const rates: number[] = [];
  let stop = false;
  const trainer = new SAETrainer({
    model, trainDataloader: loader, optim: new Adam(model, { lr: 1e-4 }), epochs: 1, saveCheckpoints: false, handleSignals: false, logToWandb: false, logEverySteps: 1, evalSteps: 1e9,
    hooks: [{ hooks: { onStepEnd: (s, m, control) => {
      // The first steps warm up (the loader's first window is read before step 1 can start).
      if (s.globalStep > 2) {
        waits.push(m.dataWaitMs ?? 0);
        rates.push(m.tokensPerSec);
      }
      if (s.globalStep >= steps && !stop) { stop = true; control.requestStop('bench'); }
    } }, everySteps: 1 }],
  });
  await trainer.train();
  backend.dispose();
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return { tokensPerSec: mean(rates), dataWaitMs: mean(waits), stepMs: (cfg.batch / mean(rates)) * 1000 };
}

const server = await startServer();
try {
  // Activations like a real site's: random float32 rows, one 384 MiB .npy shard.
  const data = new Float32Array(ROWS * cfg.d);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.618) * ((i % 7) + 1);
  const file = join(work, 'acts.npy');
  await writeNpy(file, data, [ROWS, cfg.d]);
  const client = testClient(server.endpoint);
  const store = new S3Store({ client });
  let t = performance.now();
  await store.putFile('s3://bench/acts/shard_0.npy', file);
  const uploadMBs = (data.byteLength / 2 ** 20) / ((performance.now() - t) / 1000);
  const local = await openActivations(file);
  const remote = await openS3Activations('s3://bench/acts/', { client });
  const readLocal = await readAll(local);
  const readS3 = await readAll(remote);
  const trainLocal = await train(local, 64);
  const trainS3 = await train(remote, 64);
  await Promise.all([local.close(), remote.close()]);
  const bytesPerToken = { float16: cfg.d * 2, float32: cfg.d * 4 };
  const result = {
    date: new Date().toISOString(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), simd: simd(), node: process.version,
    config: cfg.label, shardMiB: data.byteLength / 2 ** 20,
    uploadMBs, readLocal, readS3, trainLocal, trainS3,
    neededReadMBs: { float16: (trainLocal.tokensPerSec * bytesPerToken.float16) / 2 ** 20, float32: (trainLocal.tokensPerSec * bytesPerToken.float32) / 2 ** 20 },
  };
  await writeFile(join(here, 'scale-out.json'), `${JSON.stringify(result, null, 2)}\n`);
  const f = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const md = `# Scale-out measurements (\`pnpm bench:scale\`)

Machine: ${result.cpu}, ${result.cores} cores, ${result.memoryGiB} GiB; SIMD ${result.simd.join(', ')}; Node ${result.node}; ${result.date}.
All numbers from this one run. The S3 server is s3rver (npm) in another process on the loopback address, storing on local disk:
it stands in for a real bucket's protocol, not for its network (a real bucket adds latency per request and caps per-connection bandwidth).

| measurement | value |
|---|---|
| one worker, ${cfg.label}, wasm, activations on local disk | ${f(trainLocal.tokensPerSec)} tokens/s (step ${f(trainLocal.stepMs)} ms, waited ${f(trainLocal.dataWaitMs, 1)} ms/step for data) |
| the same, activations in the bucket (ranged GETs) | ${f(trainS3.tokensPerSec)} tokens/s (step ${f(trainS3.stepMs)} ms, waited ${f(trainS3.dataWaitMs, 1)} ms/step for data) |
| read needed to keep that worker fed | ${f(result.neededReadMBs.float16, 1)} MiB/s in float16, ${f(result.neededReadMBs.float32, 1)} MiB/s in float32 (tokens/s × ${cfg.d} × 2 or 4 bytes) |
| activation reader, ${f(result.shardMiB)} MiB shard, local disk (page cache) | ${f(readLocal.mbPerSec)} MiB/s |
| activation reader, the same shard from the bucket | ${f(readS3.mbPerSec)} MiB/s |
| multipart upload of the shard | ${f(uploadMBs)} MiB/s |
`;
  await writeFile(join(here, 'scale-out.md'), md);
  console.log(md);
} finally {
  server.stop();
  await rm(work, { recursive: true, force: true });
}
