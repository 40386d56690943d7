/**
 * `pnpm bench:extract`: tokens/s of extraction per adapter. stories260K's layer-3 MLP hidden activations with
 * @deeplens/extract (deeplens extract's code: forward up to the hooked block, shards written to
 * disk) against a PyTorch run of the same llama2.c forward on the same documents
 * (bench/pytorch_extract.py, float32, np.save shards), in the same run, alternating rounds. Also
 * the largest difference between the two implementations' activations; and USE-lite's layer-1 FFN
 * ReLU through @deeplens/extract-tfjs on the bundled corpus. Writes bench/extract.md
 * and bench/extract.json. Not a test: nothing here asserts.
 *
 *   pnpm bench:extract [--docs 48] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSafetensors, readSafetensorsFloat32 } from '@deeplens/core';
import { openNpy } from '@deeplens/core/node';
import { extractActivations, loadLlama2c, type DocumentSource } from '@deeplens/extract/node';
import { blasLibrary, machineDetails } from './machine.js';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '48' }, rounds: { type: 'string', default: '3' } } });
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const fixtures = here('../packages/extract/fixtures/');
const adapter = await loadLlama2c(join(fixtures, 'stories260K.bin'), join(fixtures, 'tok512.bin'));
const site = { site: 'mlp_hidden', layer: 3 };
const work = mkdtempSync(join(tmpdir(), 'bench-extract-'));

// The same documents for both: stories the model samples (seeded), as token ids.
const docs: Int32Array[] = [];
for (let i = 0; i < Number(values.docs); i++) docs.push(await adapter.sample({ steps: 255, temperature: 1, seed: 1000 + i }));
const docsFile = join(work, 'docs.json');
writeFileSync(docsFile, JSON.stringify(docs.map((d) => Array.from(d))));
const source: DocumentSource = {
  description: 'bench documents', identity: { kind: 'bench' },
  async *documents(skip) {
    for (let i = skip; i < docs.length; i++) yield { tokens: docs[i]! };
  },
};

interface Round { impl: string; round: number; rows: number; seconds: number; tokensPerSec: number; torch?: string; threads?: number }
const rounds: Round[] = [];
const notes: string[] = [];
const torchOk = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
if (!torchOk) notes.push('PyTorch skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread).');

async function ours(round: number): Promise<Round> {
  const out = join(work, `ts-${round}`);
  const t = performance.now();
  const r = await extractActivations({ adapter, site, documents: source, out, model: { name: adapter.name, files: {} } });
  const seconds = (performance.now() - t) / 1000;
  return { impl: '@deeplens/extract (llama2.c adapter)', round, rows: r.manifest.tokens, seconds, tokensPerSec: r.manifest.tokens / seconds };
}

function pytorch(round: number): Round | undefined {
  const out = join(work, `pt-${round}`);
  const threads = String(cpus().length);
  const r = spawnSync('/usr/bin/python3', [here('./pytorch_extract.py'), '--docs', docsFile, '--out', out], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads }, timeout: 900_000 });
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    notes.push(`pytorch_extract.py failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    return undefined;
  }
  const j = JSON.parse(line) as Omit<Round, 'round' | 'impl'>;
  return { ...j, impl: 'PyTorch (llama2.c model, float32)', round };
}

// USE-lite (TensorFlow.js graph model on tfjs's wasm engine) over the bundled corpus: no PyTorch twin
// (it is a TensorFlow graph), so its tokens/s stands alone.
const use = await import('@deeplens/extract-tfjs').then((m) => m.loadUseLite({ engine: 'wasm' })).catch((e: Error) => {
  notes.push(`USE-lite skipped: ${e.message.split('\n')[0]}`);
  return null;
});
const corpus = readFileSync(here('../packages/extract-tfjs/fixtures/stories-corpus.txt'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, 120);
const corpusSource: DocumentSource = {
  description: 'bundled corpus', identity: { kind: 'bench-corpus' },
  async *documents(skip) {
    for (let i = skip; i < corpus.length; i++) yield { text: corpus[i]! };
  },
};
async function useLite(round: number): Promise<Round | undefined> {
  if (!use) return undefined;
  const out = join(work, `use-${round}`);
  const t = performance.now();
  const r = await extractActivations({ adapter: use.adapter, site: { site: 'mlp_hidden', layer: 1 }, documents: corpusSource, out, model: { name: use.adapter.name, files: {} }, batchSize: 16 });
  const seconds = (performance.now() - t) / 1000;
  return { impl: `@deeplens/extract-tfjs (USE-lite layer-1 FFN ReLU, 1536 wide; tfjs ${use.engine.engine} engine)`, round, rows: r.manifest.tokens, seconds, tokensPerSec: r.manifest.tokens / seconds };
}

for (let round = 1; round <= Number(values.rounds); round++) {
  rounds.push(await ours(round));
  const u = await useLite(round);
  if (u) rounds.push(u);
  if (torchOk) {
    const p = pytorch(round);
    if (p) rounds.push(p);
  }
}

// The two extractions hold the same numbers (up to float32 summation order).
let maxDiff: number | null = null;
if (torchOk && rounds.some((r) => r.impl.startsWith('PyTorch'))) {
  const tsDir = join(work, 'ts-1');
  const bytes = new Uint8Array(readFileSync(join(tsDir, 'shard-00000.safetensors')));
  const ts = readSafetensorsFloat32(bytes, parseSafetensors(bytes, 'ts'), 'activations', 'ts');
  const pt = await openNpy(join(work, 'pt-1', readdirSync(join(work, 'pt-1')).sort()[0]!));
  const n = Math.min(pt.rows, ts.length / pt.cols, 4096);
  const buf = new Float32Array(n * pt.cols);
  await pt.readRows(0, n, buf);
  await pt.close();
  maxDiff = 0;
  for (let i = 0; i < buf.length; i++) maxDiff = Math.max(maxDiff, Math.abs(buf[i]! - ts[i]!));
}
rmSync(work, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const byImpl = new Map<string, Round[]>();
for (const r of rounds) byImpl.set(r.impl, [...(byImpl.get(r.impl) ?? []), r]);
const summary = [...byImpl].map(([impl, rs]) => ({ impl, rows: rs[0]!.rows, bestTokensPerSec: Math.max(...rs.map((r) => r.tokensPerSec)), medianTokensPerSec: median(rs.map((r) => r.tokensPerSec)), rounds: rs.length }));
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const machine = { cpu, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, ...machineDetails(blasLibrary()) };
writeFileSync(here('./extract.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, docs: docs.length, summary, rounds, maxAbsDiff: maxDiff, notes }, null, 2)}\n`);
const ours1 = summary.find((s) => s.impl.startsWith('@deeplens/extract (llama2.c'));
const torch1 = summary.find((s) => s.impl.startsWith('PyTorch'));
const md = [
  '# Extraction throughput per adapter',
  '',
  `Generated by \`pnpm bench:extract\` (bench/extract.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; SIMD: ${machine.simd.join(', ')}; Node ${process.version}.`,
  `${docs.length} stories the model sampled (seeded), ${ours1?.rows.toLocaleString('en-US') ?? '?'} rows (every token but BOS); each implementation runs the forward pass up to block 3 per story and writes the rows to disk; ${Number(values.rounds)} alternating rounds, best and median round.`,
  '',
  '| implementation | rows | tokens/s (best) | tokens/s (median) | rounds |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...summary.map((s) => `| ${s.impl} | ${s.rows.toLocaleString('en-US')} | ${Math.round(s.bestTokensPerSec).toLocaleString('en-US')} | ${Math.round(s.medianTokensPerSec).toLocaleString('en-US')} | ${s.rounds} |`),
  '',
  ours1 && torch1 ? `Ratio (ours ÷ PyTorch, best rounds): ${(ours1.bestTokensPerSec / torch1.bestTokensPerSec).toFixed(2)}×. Largest |difference| between the two extractions' activations (first ${Math.min(4096, ours1.rows)} rows): ${maxDiff?.toExponential(2)}.` : '',
  'USE-lite runs on the first 120 stories of the bundled corpus (packages/extract-tfjs/fixtures), 16 per graph call; it has no PyTorch twin (a TensorFlow graph), so its row has no ratio.',
  ...notes.map((n) => `Note: ${n}`),
  '',
].join('\n');
writeFileSync(here('./extract.md'), md);
console.log(md);
