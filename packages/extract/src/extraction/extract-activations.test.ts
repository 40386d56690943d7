import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensorsFloat32 } from '@deeplens/core';
import { openActivations } from '@deeplens/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { stories260K } from '../llama2c/test-model.test-helper.js';
import { extractActivations, type ExtractOptions } from './extract-activations.js';
import { readManifest } from './extract-manifest.js';
import { sampledDocuments } from './sampled-documents.js';
import { textDocuments } from './text-documents.js';

const model = stories260K();
const site = { site: 'mlp_hidden', layer: 3 } as const;
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'extract-test-'));
  dirs.push(d);
  return d;
};
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function readShards(dir: string) {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.safetensors')).sort();
  const acts: number[] = [];
  const ints: Record<'tokens' | 'doc' | 'pos', number[]> = { tokens: [], doc: [], pos: [] };
  for (const n of names) {
    const bytes = new Uint8Array(await readFile(join(dir, n)));
    const h = parseSafetensors(bytes, n);
    acts.push(...readSafetensorsFloat32(bytes, h, 'activations', n));
    for (const key of ['tokens', 'doc', 'pos'] as const) {
      const e = h.tensors.get(key)!;
      expect(e.dtype).toBe('I32');
      ints[key].push(...new Int32Array(bytes.slice(h.dataStart + e.begin, h.dataStart + e.end).buffer));
    }
  }
  return { names, acts, ...ints };
}

const base = (out: string, extra: Partial<ExtractOptions> = {}): ExtractOptions => ({
  adapter: model, site, out, model: { name: model.name, files: { checkpoint: 'fixture' } },
  documents: sampledDocuments(model, { count: 6, steps: 60, seed: 3 }), shardTokens: 100, batchSize: 2, ...extra,
});

describe('extractActivations (stories260K, layer-3 MLP hidden)', () => {
  it('writes every token of every document once, with its id, document and position, equal to a direct forward pass', async () => {
    const out = await tmp();
    const r = await extractActivations(base(out));
    const shards = await readShards(out);
    expect(shards.names.length).toBeGreaterThan(2);
    expect(r.manifest).toMatchObject({ complete: true, documents_done: 6, tokens: shards.tokens.length, width: 172, site: 'mlp_hidden', layer: 3, dtype: 'float32' });
    expect(r.manifest.shards.map((s) => s.rows).reduce((a, b) => a + b)).toBe(shards.tokens.length);
    // Document 2 directly: its rows are positions 1.. (BOS excluded) in order.
    const docs = sampledDocuments(model, { count: 6, steps: 60, seed: 3 }).documents(2);
    const doc2 = (await docs[Symbol.asyncIterator]().next()).value as { tokens: Int32Array };
    let direct: Float32Array | undefined;
    await model.run([doc2.tokens], { hooks: [{ site, hook: (rows) => void (direct = rows.slice()) }] });
    const rows = shards.doc.flatMap((d, i) => (d === 2 ? [i] : []));
    expect(rows.map((i) => shards.pos[i])).toEqual(Array.from({ length: doc2.tokens.length - 1 }, (_, i) => i + 1));
    expect(rows.map((i) => shards.tokens[i])).toEqual(Array.from(doc2.tokens.subarray(1)));
    expect(shards.acts.slice(rows[0]! * 172, (rows[0]! + rows.length) * 172)).toEqual(Array.from(direct!.subarray(172)));
    // The training loader reads the folder (the activations tensor, without --key).
    const src = await openActivations(out);
    expect([src.rows, src.cols]).toEqual([shards.tokens.length, 172]);
    await src.close();
  });

  it('an interrupted extraction resumes to exactly the shards of an uninterrupted one', async () => {
    const whole = await tmp();
    await extractActivations(base(whole));
    const cut = await tmp();
    const stop = new AbortController();
    const first = await extractActivations(base(cut, { signal: stop.signal, onProgress: (p) => p.documents >= 2 && stop.abort() }));
    expect(first.interrupted).toBe(true);
    expect(first.manifest.complete).toBe(false);
    const second = await extractActivations(base(cut));
    expect(second.resumedFrom).toBe(first.manifest.tokens);
    expect(second.manifest.complete).toBe(true);
    const a = await readShards(whole);
    const b = await readShards(cut);
    expect(b.tokens).toEqual(a.tokens);
    expect(b.doc).toEqual(a.doc);
    expect(b.pos).toEqual(a.pos);
    expect(b.acts).toEqual(a.acts);
    expect((await extractActivations(base(cut))).alreadyComplete).toBe(true);
  });

  it('stops at max tokens, writes float16 on request, and refuses to mix a different extraction into a folder', async () => {
    const out = await tmp();
    const r = await extractActivations(base(out, { maxTokens: 123, dtype: 'float16' }));
    expect(r.manifest.tokens).toBe(123);
    const bytes = new Uint8Array(await readFile(join(out, r.manifest.shards[0]!.file)));
    expect(parseSafetensors(bytes, 'shard').tensors.get('activations')!.dtype).toBe('F16');
    expect((await readShards(out)).tokens.length).toBe(123);
    await expect(extractActivations(base(out, { maxTokens: 123, dtype: 'float16', site: { site: 'mlp_out', layer: 3 } }))).rejects.toMatchObject({
      code: 'DEEPLENS_INVALID_ARGUMENT', message: expect.stringContaining('another --out'),
    });
    expect((await readManifest(out))!.site).toBe('mlp_hidden');
  });

  it('reads text and JSONL documents, one per line, splitting long ones into windows', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'a.txt'), 'Lily saw a cat.\n\nThe dog ran home and slept for a long time in the warm sun.\n');
    await writeFile(join(dir, 'b.jsonl'), '{"text": "Tom had a red ball."}\n"A bird sang."\n');
    const docs = await textDocuments(dir);
    const out = await tmp();
    const r = await extractActivations({ ...base(out), documents: docs, contextSize: 8 });
    const shards = await readShards(out);
    const texts = ['Lily saw a cat.', 'The dog ran home and slept for a long time in the warm sun.', 'Tom had a red ball.', 'A bird sang.'];
    expect(r.manifest.documents_done).toBe(4);
    expect(shards.tokens.length).toBe(texts.reduce((n, t) => n + model.tokenize(t).length - 1, 0));
    for (let d = 0; d < 4; d++) {
      const ids = shards.tokens.filter((_, i) => shards.doc[i] === d);
      expect(model.decode(ids)).toBe(texts[d]);
    }
    await writeFile(join(dir, 'b.jsonl'), '{"title": 1}\n');
    await expect(extractActivations({ ...base(await tmp()), documents: await textDocuments(join(dir, 'b.jsonl')) })).rejects.toMatchObject({ code: 'DEEPLENS_FILE_FORMAT', message: expect.stringContaining('line 1 has no "text"') });
  });
});
