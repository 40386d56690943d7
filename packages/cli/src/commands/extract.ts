import { InvalidArgumentError } from '@deeplens/core';
import { TRANSFORMER_SITES } from '@deeplens/extract';
import { extractActivations, sampledDocuments, textDocuments, type DocumentSource, type Sampler } from '@deeplens/extract/node';
import type { CommandModule } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { openModel } from '../extract/open-model.js';
import { progressLine } from '../extract/progress-line.js';
import { remoteExtractOutput } from '../extract/remote-output.js';
import { positiveIntFlag } from '../positive-int-flag.js';

const command: CommandModule = {
  description: "extract a model's activations at one site into shards for training",
  usage: `deeplens extract --model <checkpoint.bin> --tokenizer <tok.bin> --layer N --site SITE (--text FILE|DIR|JSONL | --sample N) --out DIR [options]
deeplens extract --model use-lite --layer 0|1 --site mlp_hidden|resid_mid|resid_post --text FILE --out DIR [--tfjs-engine E]

Runs a llama2.c checkpoint (stories260K, stories15M/42M/110M, ...) or USE-lite (the Universal
Sentence Encoder lite TensorFlow.js graph model; needs @deeplens/extract-tfjs and
@deeplens/backend-tfjs beside the CLI) over documents and writes the
activations of one site as safetensors shards in DIR (tensors activations [n, width], tokens, doc and
pos [n], one row per token; BOS rows left out unless --include-bos) with a manifest.json. The shards
are the input of deeplens train --activations DIR. DIR may be s3://bucket/prefix/: each shard is
uploaded as it completes (and removed locally), then the manifest that lists it; running the same
command again resumes from the bucket's manifest.

  --site resid_pre|attn_out|mlp_hidden|mlp_out|resid_post   (mlp_hidden: the input of the MLP's down projection)
  --layer N            block index (0-based)
  --text PATH          a .txt file (one document per line), a .jsonl file ({"text": ...} per line) or a folder of them
  --sample N           N stories the model samples itself (--temperature, default 1; --seed, default 0)
  --max-tokens N       stop after N rows
  --context-size N     tokens per forward pass (default: the model's); longer documents continue in BOS-led windows
  --batch-size N       sequences per forward batch (default 8)
  --dtype float32|float16   (default float32)
  --shard-tokens N     rows per shard (default: about 64 MiB of activations)
  --json               print the final manifest as JSON

Interrupted (Ctrl-C, SIGTERM), it writes the rows of the documents it finished and exits 130; the same
command again continues where it stopped. A folder that holds a different extraction is refused.`,
  options: {
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    layer: { type: 'string' },
    site: { type: 'string' },
    text: { type: 'string' },
    sample: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'max-tokens': { type: 'string' },
    'context-size': { type: 'string' },
    'batch-size': { type: 'string' },
    dtype: { type: 'string' },
    'shard-tokens': { type: 'string' },
    'include-bos': { type: 'boolean' },
    'tfjs-engine': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  async run(v, _p, io) {
    for (const flag of ['model', 'out', 'site', 'layer'] as const) {
      if (typeof v[flag] !== 'string') throw new UsageError(`extract needs --${flag}`, 'deeplens extract --help shows an example');
    }
    const siteName = v['site'] as string;
    const knownSites = [...TRANSFORMER_SITES, 'resid_mid'];
    if (!knownSites.includes(siteName)) throw new UsageError(`--site ${siteName} is not a site`, `sites: ${knownSites.join(', ')}`);
    const layer = Number(v['layer']);
    if (!Number.isInteger(layer) || layer < 0) throw new UsageError(`--layer must be a block index (0, 1, ...), got ${String(v['layer'])}`);
    if ((v['text'] === undefined) === (v['sample'] === undefined)) throw new UsageError('extract needs exactly one of --text PATH and --sample N');
    const dtype = (v['dtype'] ?? 'float32') as string;
    if (dtype !== 'float32' && dtype !== 'float16') throw new UsageError(`--dtype must be float32 or float16, got ${dtype}`);
    const temperature = v['temperature'] === undefined ? 1 : Number(v['temperature']);
    if (!(temperature >= 0)) throw new UsageError(`--temperature must be a number ≥ 0, got ${String(v['temperature'])}`);
    const seed = v['seed'] === undefined ? 0 : Number(v['seed']);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${String(v['seed'])}`);
    const maxTokens = positiveIntFlag(v['max-tokens'], '--max-tokens', undefined);
    const contextSize = positiveIntFlag(v['context-size'], '--context-size', undefined);
    const batchSize = positiveIntFlag(v['batch-size'], '--batch-size', undefined);
    const shardTokens = positiveIntFlag(v['shard-tokens'], '--shard-tokens', undefined);
    const sampleCount = positiveIntFlag(v['sample'], '--sample', undefined);

    const { adapter, identity, paths } = await openModel(v['model'] as string, v['tokenizer'] as string | undefined, typeof v['tfjs-engine'] === 'string' ? { tfjsEngine: v['tfjs-engine'] } : {});
    const site = { site: siteName, layer };
    adapter.siteWidth(site);
    let documents: DocumentSource;
    if (sampleCount !== undefined) {
      const sampler = adapter as Partial<Sampler>;
      if (typeof sampler.sample !== 'function') throw new InvalidArgumentError(`${adapter.name} cannot sample its own text; pass --text`);
      // A story fills at most one forward pass: BOS + (context − 1) tokens.
      documents = sampledDocuments(sampler as Sampler, { count: sampleCount, steps: (contextSize ?? adapter.contextSize) - 1, temperature, seed });
    } else {
      documents = await textDocuments(v['text'] as string);
    }
    const out = v['out'] as string;
    const remote = out.startsWith('s3://') ? await remoteExtractOutput(out) : undefined;
    const quiet = v['quiet'] === true || v['json'] === true;
    if (!quiet) io.err(`Extracting ${adapter.name} ${siteName} of layer ${layer} (width ${adapter.siteWidth(site)}) from ${documents.description} into ${out}`);

    const stop = new AbortController();
    let signals = 0;
    const onSignal = (name: string) => {
      signals++;
      if (signals === 1) {
        io.err(`\n${name} received: finishing the current batch and writing its rows (again to exit at once)`);
        stop.abort();
      } else process.exit(EXIT.interrupted);
    };
    const onInt = () => onSignal('SIGINT');
    const onTerm = () => onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const tty = process.stderr.isTTY === true;
    let lastLine = -Infinity;
    try {
      const r = await extractActivations({
        adapter, site, documents, out: remote?.local ?? out, model: identity, ...(remote ? { onFlush: remote.onFlush } : {}), modelPaths: paths, dtype, signal: stop.signal, includeBos: v['include-bos'] === true,
        ...(maxTokens !== undefined ? { maxTokens } : {}), ...(contextSize !== undefined ? { contextSize } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}), ...(shardTokens !== undefined ? { shardTokens } : {}),
        onProgress: (p) => {
          if (quiet) return;
          const now = performance.now();
          if (!tty && now - lastLine < 5000) return;
          lastLine = now;
          const line = progressLine({ ...p, total: p.maxTokens ?? null, totalLabel: 'tokens' });
          if (tty) process.stderr.write(`\r${line}\x1b[K`);
          else io.err(line);
        },
      });
      if (tty && !quiet) process.stderr.write('\n');
      const m = r.manifest;
      if (v['json']) io.out(JSON.stringify(m));
      else if (r.alreadyComplete) io.out(`${out} already holds this extraction, complete: ${m.tokens.toLocaleString('en-US')} tokens from ${m.documents_done} documents in ${m.shards.length} shards.`);
      else {
        if (r.resumedFrom > 0) io.out(`Resumed at ${r.resumedFrom.toLocaleString('en-US')} tokens.`);
        io.out(`${r.interrupted ? 'Interrupted after' : 'Extracted'} ${m.tokens.toLocaleString('en-US')} tokens (${m.width} wide, ${m.dtype}) from ${m.documents_done} documents into ${m.shards.length} shard${m.shards.length === 1 ? '' : 's'} in ${out}`);
        if (r.interrupted) io.out('Run the same command again to continue.');
        else io.out(`Train on them: deeplens train --config config.yaml --activations ${out}`);
      }
      return r.interrupted ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
      await remote?.finish();
    }
  },
};

export default command;
