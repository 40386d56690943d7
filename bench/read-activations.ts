/**
 * Streaming read benchmark (not a test): writes a multi-GB float32 .npy file, then streams it through
 * ActivationsDatasetBuilder (one pass to scan for NaN/Inf and compute train statistics, then a
 * shuffled train epoch) and reports rows/s and peak RSS. Peak RSS stays bounded by the shuffle
 * window, whatever the file size.
 *
 *   pnpm bench:read [--gb 3] [--cols 3072] [--keep]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ActivationsDatasetBuilder } from '@deeplens/core/node';

const { values } = parseArgs({ options: { gb: { type: 'string', default: '3' }, cols: { type: 'string', default: '3072' }, keep: { type: 'boolean', default: false } } });
const cols = Number(values.cols);
const rows = Math.floor((Number(values.gb) * 2 ** 30) / (cols * 4));
const dir = await mkdtemp(join(tmpdir(), 'deeplens-bench-read-'));
const file = join(dir, 'acts.npy');
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

try {
  console.log(`writing ${rows.toLocaleString()} × ${cols} float32 (${(rows * cols * 4 / 2 ** 30).toFixed(2)} GiB) to ${file}`);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const h = await open(file, 'w');
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  await h.write(Buffer.concat([prefix, Buffer.from(header, 'latin1')]));
  const block = new Float32Array(4096 * cols);
  for (let i = 0; i < block.length; i++) block[i] = Math.max(0, Math.sin(i * 0.37) * 3);
  for (let r = 0; r < rows; r += 4096) {
    const n = Math.min(4096, rows - r);
    await h.write(new Uint8Array(block.buffer, 0, n * cols * 4));
  }
  await h.close();
  const baseline = process.memoryUsage().rss;
  peak = baseline;

  let t0 = performance.now();
  const builder = new ActivationsDatasetBuilder({ activations: file, batchSize: 4096, inputDims: cols });
  const { train, info } = await builder.getDataloaders();
  const scanS = (performance.now() - t0) / 1000;
  console.log(`scan + train statistics: ${info.rows.toLocaleString()} rows in ${scanS.toFixed(1)} s = ${Math.round(info.rows / scanS).toLocaleString()} rows/s`);

  t0 = performance.now();
  let n = 0;
  for await (const b of train) n += b.rows;
  const epochS = (performance.now() - t0) / 1000;
  console.log(`shuffled train epoch: ${n.toLocaleString()} rows in ${epochS.toFixed(1)} s = ${Math.round(n / epochS).toLocaleString()} rows/s`);
  await builder.close();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(`peak RSS ${mib(peak)} MiB (baseline before reading ${mib(baseline)} MiB; file ${mib(rows * cols * 4)} MiB)`);
} finally {
  clearInterval(sampler);
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
