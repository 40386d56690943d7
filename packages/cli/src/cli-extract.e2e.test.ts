import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors } from '@deeplens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The interpretability loop through the built CLI: extract from stories260K, train on the shards, evaluate inside the model. */
const BIN = fileURLToPath(new URL('../dist/deeplens.mjs', import.meta.url));
const MODEL = fileURLToPath(new URL('../../extract/fixtures/stories260K.bin', import.meta.url));
const TOK = fileURLToPath(new URL('../../extract/fixtures/tok512.bin', import.meta.url));

let cwd: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm --filter @deeplens/cli build): ${BIN} is missing`);
  cwd = await mkdtemp(join(tmpdir(), 'deeplens-extract-'));
});
afterAll(async () => rm(cwd, { recursive: true, force: true }));

function deeplens(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 170_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const extractArgs = (out: string) => ['extract', '--model', MODEL, '--tokenizer', TOK, '--layer', '3', '--site', 'mlp_hidden', '--sample', '10', '--batch-size', '2', '--shard-tokens', '600', '--out', out];

/** Every shard's bytes of each tensor, concatenated in shard order. */
async function tensors(dir: string): Promise<Record<string, Buffer>> {
  const all: Record<string, Buffer[]> = {};
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.safetensors')).sort()) {
    const bytes = await readFile(join(dir, name));
    const h = parseSafetensors(bytes, name);
    for (const [key, e] of h.tensors) (all[key] ??= []).push(bytes.subarray(h.dataStart + e.begin, h.dataStart + e.end));
  }
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, Buffer.concat(v)]));
}

describe('deeplens extract → train → eval --model (stories260K)', () => {
  it('SIGINT writes the finished documents and exits 130; the same command resumes to what an uninterrupted run writes', async () => {
    const whole = deeplens(...extractArgs('whole'));
    expect(whole.code, whole.err).toBe(0);
    expect(whole.out).toMatch(/Extracted [\d,]+ tokens \(172 wide, float32\) from 10 documents into \d+ shards in whole/);
    const child = spawn(process.execPath, [BIN, ...extractArgs('cut')], { cwd, env: { ...process.env, CI: '1' } });
    let err = '';
    let out = '';
    child.stdout.on('data', (d) => void (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (/extract [\d,]+ tokens/.test(err) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, err).toBe(130);
    expect(err).toMatch(/SIGINT received: finishing the current batch/);
    expect(out).toMatch(/Interrupted after [\d,]+ tokens[\s\S]*Run the same command again to continue/);
    const again = deeplens(...extractArgs('cut'));
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Resumed at [\d,]+ tokens/);
    const [a, b] = [await tensors(join(cwd, 'whole')), await tensors(join(cwd, 'cut'))];
    expect(Object.keys(b).sort()).toEqual(['activations', 'doc', 'pos', 'tokens']);
    for (const key of Object.keys(a)) expect(b[key]!.equals(a[key]!), key).toBe(true);
    expect(deeplens(...extractArgs('cut')).out).toMatch(/already holds this extraction, complete/);
  });

  it('trains on the extraction folder and evaluates the SAE inside the model', async () => {
    await writeFile(join(cwd, 'sae.yaml'), 'input_dims: 172\nn_features: 344\nk: 8\n');
    const train = deeplens('train', '--config', 'sae.yaml', '--activations', 'whole', '--epochs', '2', '--out', 'runs', '--quiet');
    expect(train.code, train.err).toBe(0);
    const run = /Run folder: (\S+)/.exec(train.out)![1]!;
    const evalArgs = ['eval', '--checkpoint', run, '--model', MODEL, '--tokenizer', TOK, '--site', 'mlp_hidden', '--layer', '3', '--sample', '3'];
    const table = deeplens(...evalArgs);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/In-model evaluation: llama2c:stories260K, mlp_hidden of layer 3, [\d,]+ next-token predictions in 3 documents/);
    expect(table.out).toMatch(/SAE\s+CE\s+delta loss\s+CE loss recovered\s+vs mean-ablation\s+KL/);
    const json = deeplens(...evalArgs, '--json');
    const r = JSON.parse(json.out) as { ce_clean: number; zero_ablation: { ce: number }; saes: Array<{ ce: number; ce_loss_recovered: number; kl: number }> };
    expect(r.ce_clean).toBeLessThan(r.zero_ablation.ce);
    expect(r.saes).toHaveLength(1);
    const s = r.saes[0]!;
    expect(s.ce_loss_recovered).toBeCloseTo((r.zero_ablation.ce - s.ce) / (r.zero_ablation.ce - r.ce_clean), 12);
    expect(s.kl).toBeGreaterThan(0);
    const wrong = deeplens('eval', '--checkpoint', run, '--model', MODEL, '--tokenizer', TOK, '--site', 'mlp_out', '--layer', '3', '--sample', '1');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/takes 172-wide activations; llama2c:stories260K's mlp_out at layer 3 is 64 wide[\s\S]*hint: pass the --site and --layer the SAE was trained on/);
  });

  it('a sweep trained on the extraction is evaluated in one table and reported SAE by SAE', async () => {
    await writeFile(join(cwd, 'sweep.yaml'), 'input_dims: 172\nn_features: 344\nk: 8\nsweep:\n  architecture: [topk, batchtopk]\n');
    const train = deeplens('train', '--config', 'sweep.yaml', '--activations', 'whole', '--epochs', '2', '--out', 'sweeps');
    expect(train.code, train.err).toBe(0);
    const sweep = /Sweep folder: (\S+)/.exec(train.out + train.err)![1]!;
    const table = deeplens('eval', '--checkpoint', sweep, '--model', MODEL, '--tokenizer', TOK, '--site', 'mlp_hidden', '--layer', '3', '--sample', '2', '--json');
    expect(table.code, table.err).toBe(0);
    const names = (JSON.parse(table.out) as { saes: Array<{ name: string; ce_loss_recovered: number }> }).saes.map((s) => s.name);
    expect(names).toEqual(['0-topk', '1-batchtopk']);
    const report = deeplens('report', '--checkpoint', sweep, '--activations', 'whole', '--top-k', '5', '--max-rows', '1500');
    expect(report.code, report.err).toBe(0);
    const index = await readFile(resolve(cwd, sweep, 'report', 'index.html'), 'utf8');
    expect(index).toContain('href="0-topk/index.html"');
    expect(index).toContain('href="1-batchtopk/index.html"');
    expect(existsSync(resolve(cwd, sweep, 'report', '1-batchtopk', 'data', 'features-0002.js'))).toBe(true);
  });

  it('extracts USE-lite (a TensorFlow.js graph model) from the bundled corpus through @deeplens/extract-tfjs', async () => {
    const corpus = fileURLToPath(new URL('../../extract-tfjs/fixtures/stories-corpus.txt', import.meta.url));
    const r = deeplens('extract', '--model', 'use-lite', '--layer', '1', '--site', 'mlp_hidden', '--text', corpus, '--max-tokens', '1500', '--batch-size', '16', '--tfjs-engine', 'wasm', '--out', 'use');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Extracted 1,500 tokens \(1536 wide, float32\)/);
    const manifest = JSON.parse(await readFile(join(cwd, 'use', 'manifest.json'), 'utf8')) as { model: { name: string }; width: number };
    expect(manifest).toMatchObject({ model: { name: 'tfjs:use-lite' }, width: 1536 });
    const t = await tensors(join(cwd, 'use'));
    const acts = new Float32Array(t['activations']!.buffer.slice(t['activations']!.byteOffset, t['activations']!.byteOffset + t['activations']!.byteLength));
    const active = acts.filter((v) => v > 0).length / acts.length;
    expect(Math.min(...acts.slice(0, 100_000))).toBe(0);
    expect(active).toBeGreaterThan(0.02); // sparse ReLU activations (about 7 % of units)
    expect(active).toBeLessThan(0.2);
  });

  it('bad sites, layers and sources are user errors that say what exists', () => {
    const site = deeplens('extract', '--model', MODEL, '--tokenizer', TOK, '--layer', '0', '--site', 'mlp_gate', '--sample', '1', '--out', 'x');
    expect(site.code).toBe(1);
    expect(site.err).toMatch(/--site mlp_gate is not a site[\s\S]*resid_pre, attn_out, mlp_hidden, mlp_out, resid_post/);
    const layer = deeplens('extract', '--model', MODEL, '--tokenizer', TOK, '--layer', '5', '--site', 'mlp_hidden', '--sample', '1', '--out', 'x');
    expect(layer.code).toBe(1);
    expect(layer.err).toMatch(/has layers 0\.\.4; --layer 5 is not one of them/);
    const both = deeplens('extract', '--model', MODEL, '--tokenizer', TOK, '--layer', '0', '--site', 'mlp_hidden', '--out', 'x');
    expect(both.err).toMatch(/exactly one of --text PATH and --sample N/);
    const tok = deeplens('extract', '--model', MODEL, '--tokenizer', MODEL, '--layer', '0', '--site', 'mlp_hidden', '--sample', '1', '--out', 'x');
    expect(tok.code).toBe(1);
    expect(`${site.err}${layer.err}${tok.err}`).not.toMatch(/\n\s+at /);
  });
});

describe('deeplens report and deeplens demo --full', () => {
  it('demo --full extracts, trains, evaluates inside the model and writes a report that deeplens report can rewrite', async () => {
    const r = deeplens('demo', '--full', '--tokens', '3000', '--epochs', '2', '--out', 'full', '--quiet');
    expect(r.code, r.err).toBe(0);
    for (const step of ['[1/4] Extracting 3,000 tokens', '[2/4] Training a BatchTopK SAE', '[3/4] Evaluating the SAE inside the model', '[4/4] Writing the feature report']) expect(r.out).toContain(step);
    expect(r.out).toMatch(/CE loss recovered/);
    const report = resolve(cwd, /report: (\S+index\.html)/.exec(r.out)![1]!);
    expect(existsSync(report)).toBe(true);
    const data = await readFile(join(report, '..', 'data', 'report.js'), 'utf8');
    const parsed = JSON.parse(data.replace(/^window\.DEEPLENS_REPORT = /, '').replace(/;\n$/, '')) as { summary: unknown[]; vocab: string[]; overview: { inModel: { saes: Array<{ ce_loss_recovered: number }> }; curves: unknown[] } };
    expect(parsed.summary).toHaveLength(688);
    expect(parsed.vocab).toHaveLength(512);
    expect(parsed.overview.curves.length).toBeGreaterThan(0);
    expect(Number.isFinite(parsed.overview.inModel.saes[0]!.ce_loss_recovered)).toBe(true);
    // deeplens report finds the model from the extraction's manifest.
    const run = /SAE: (\S+)/.exec(r.out)![1]!;
    const again = deeplens('report', '--checkpoint', run, '--activations', join('full', 'activations'), '--out', 'report2', '--top-k', '5');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Report: report2\/index\.html/);
    expect(again.err).not.toMatch(/the model is not known/);
    const notExtract = deeplens('report', '--checkpoint', run, '--activations', join(cwd, 'sae.yaml'));
    expect(notExtract.code).toBe(1);
  });
});
