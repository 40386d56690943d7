// Turn a GPU check's output folder into bench/results-gpu.md:
//   node bench/gpu-check/render.mjs <folder with gpu-check.log, bench.jsonl, conformance-*.json> [output .md]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2];
if (!dir || !existsSync(join(dir, 'gpu-check.log'))) throw new Error('usage: node bench/gpu-check/render.mjs <gpu check output folder>');
const log = readFileSync(join(dir, 'gpu-check.log'), 'utf8');
const line = (prefix) => log.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length).trim() ?? 'unknown';
const rows = existsSync(join(dir, 'bench.jsonl')) ? readFileSync(join(dir, 'bench.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const label = (r) => (r.impl === 'tfjs' ? `tfjs, ${r.kernels}` : r.impl);
const best = new Map();
for (const r of rows) {
  const key = label(r);
  const all = [...(best.get(key)?.all ?? []), r.tokensPerSec];
  best.set(key, { ...(best.get(key) && best.get(key).tokensPerSec >= r.tokensPerSec ? best.get(key) : r), all });
}
const ref = best.get('pytorch-dense-cuda');
const cpuRef = best.get('pytorch-dense');
const conformance = readdirSync(dir).filter((f) => /^conformance-.*\.json$/.test(f)).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const md = [
  '# GPU results (bench/gpu-check.sh)', '',
  `GPU: ${line('gpu:')}. CPU: ${line('cpu:')}. ${line('node')}. Run ${line('# GPU check')}.`,
  `WebGPU engine: ${line('engine:')}.`, '',
  '## Conformance', '',
  ...conformance.map((c) => `- tfjs ${c.engine}: ${c.passed} passed, ${c.failed.length} failed, ${c.skipped.length} skipped (${c.seconds.toFixed(1)} s)${c.failed.length ? ` — failed: ${c.failed.map((f) => f.name).join('; ')}` : ''}`),
  ...(/conformance tensorflow: skipped/.test(log) ? [`- tfjs tensorflow (tfjs-node-gpu): ${line('conformance tensorflow:')}`] : []), '',
  '## Config (a): TopK d=768 F=6144 k=32, batch 4096, full training steps', '',
  'Each implementation ran in its own process, in turns, for the rounds below; the best round is shown (every round in brackets).', '',
  '| implementation | tokens/s | rounds | vs PyTorch DeepLens step on the GPU (CUDA) | vs PyTorch DeepLens step on the CPU | encoder GFLOP/s |',
  '|---|---|---|---|---|---|',
  ...[...best].map(([key, r]) => `| ${key} | ${Math.round(r.tokensPerSec)} | ${r.all.map((t) => Math.round(t)).join(', ')} | ${ref ? `${(r.tokensPerSec / ref.tokensPerSec).toFixed(2)}×` : ''} | ${cpuRef ? `${(r.tokensPerSec / cpuRef.tokensPerSec).toFixed(2)}×` : ''} | ${r.encoderGflops.toFixed(1)} |`),
];
const target = process.argv[3] ?? fileURLToPath(new URL('../results-gpu.md', import.meta.url));
writeFileSync(target, `${md.join('\n')}\n`);
console.log(md.join('\n'));
