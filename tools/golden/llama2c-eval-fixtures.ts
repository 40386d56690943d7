/**
 * Writes packages/extract/fixtures/golden-llama2c/: held-out text for stories260K (stories the model
 * samples itself, seeded, plus two written lines), and two SAEs trained on the bundled layer-3
 * MLP-hidden activations with the built CLI (TopK, BatchTopK; 2× dictionary, 60 epochs), each as our model file and as
 * `deeplens export --format saelens`. Then `/usr/bin/python3 tools/golden/llama2c_reference.py`
 * runs an independent PyTorch llama2.c model on that text (tokens, site activations, logits, and
 * the in-model evaluation with SAELens's forward on the exports) and writes expected.json.
 * Run (after `pnpm nx run @deeplens/cli:build`):
 *   pnpm tsx --conditions=@deeplens/source tools/golden/llama2c-eval-fixtures.ts
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Llama2cAdapter } from '../../packages/extract/src/index.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const out = join(repo, 'packages/extract/fixtures/golden-llama2c');
const cli = join(repo, 'packages/cli/dist/deeplens.mjs');
mkdirSync(out, { recursive: true });

const model = Llama2cAdapter.fromBytes(readFileSync(join(repo, 'packages/extract/fixtures/stories260K.bin')), readFileSync(join(repo, 'packages/extract/fixtures/tok512.bin')), { name: 'stories260K' });
const lines = ['Tom and his dog ran to the big tree in the garden.', 'The sun was warm, and the little bird sang a happy song.'];
for (let seed = 1; lines.length < 8; seed++) {
  const story = model.decode(await model.sample({ steps: 80, temperature: 1, seed })).replace(/\s+/g, ' ').trim();
  if (story.length > 20) lines.push(story);
}
writeFileSync(join(out, 'text.txt'), `${lines.join('\n')}\n`);

const cases: Record<string, string[]> = { topk: ['--k', '16'], batchtopk: ['--k', '16', '--architecture', 'batchtopk'] };
const work = mkdtempSync(join(tmpdir(), 'llama2c-fixtures-'));
const config = join(work, 'config.yaml');
writeFileSync(config, 'input_dims: 172\nn_features: 344\n');
for (const [name, flags] of Object.entries(cases)) {
  execFileSync(process.execPath, [cli, 'train', '--config', config, '--activations', join(repo, 'data/demo/stories260K-layer3-mlp-hidden-2048.npy'), ...flags,
    '--epochs', '60', '--batch-size', '128', '--lr', '0.001', '--backend', 'cpu', '--seed', '0', '--model-name', name, '--out', work, '--quiet'], { stdio: 'inherit' });
  const runDir = join(work, name, readdirSync(join(work, name))[0]!);
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(runDir, 'best_model.safetensors'), join(dir, 'model.safetensors'));
  rmSync(join(dir, 'saelens'), { recursive: true, force: true });
  execFileSync(process.execPath, [cli, 'export', '--checkpoint', join(dir, 'model.safetensors'), '--format', 'saelens', '--out', join(dir, 'saelens'), '--hook-name', 'blocks.3.mlp.hook_hidden'], { stdio: 'inherit' });
}
rmSync(work, { recursive: true, force: true });
console.log(`wrote ${out}`);
