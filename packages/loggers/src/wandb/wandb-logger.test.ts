import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeWandb, type Recorded } from './fake-wandb-server.test-helper.js';
import { syncOfflineRun } from './sync-offline-run.js';
import { createWandbLogger } from './wandb-logger.js';
import { netrcPassword, resolveWandbSettings } from './wandb-settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deeplens-wandb-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const env = (url: string, extra: Record<string, string> = {}) => ({ WANDB_BASE_URL: url, WANDB_API_KEY: 'test-key', ...extra });
// Short backoff everywhere; the short per-request timeout only where a test is about timeouts
// (elsewhere a slow first request on a loaded machine would be sent twice and shift the record).
const fast = { retry: { attempts: 3, backoffMs: 10, timeoutMs: 300 }, flushIntervalMs: 10 };
const steady = { ...fast, retry: { ...fast.retry, timeoutMs: 10_000 } };
const graphql = (srv: { requests: Recorded[] }, has: string) =>
  srv.requests.filter((r) => r.path === '/graphql' && String(r.body['query']).includes(has));

describe('W&B logger against a loopback W&B server', () => {
  it('puts the SAEs of a sweep in one W&B group', async () => {
    const srv = await startFakeWandb();
    try {
      const log = await createWandbLogger({ modelName: '03-k64', group: 'sae-sweep/run_20261206_120000', env: env(srv.url), report: () => {}, ...steady });
      await log.close('completed');
      const [create] = graphql(srv, 'upsertBucket');
      expect(create!.body['variables']).toMatchObject({ groupName: 'sae-sweep/run_20261206_120000', name: log.runId });
      expect(String(create!.body['query'])).toContain('groupName: $groupName');
    } finally {
      await srv.close();
    }
  });

  it('creates the run, sends config, history in order and the summary, and finishes it', async () => {
    const srv = await startFakeWandb();
    try {
      const log = await createWandbLogger({ modelName: 'gpt2_layer3_sae', env: env(srv.url), report: () => {}, ...steady });
      expect(log.runName).toMatch(/^run-gpt2_layer3_sae-\d{8}_\d{6}$/);
      await log.logHyperparams({ model: { k: 32 }, run_dir: dir });
      for (let s = 1; s <= 5; s++) log.logMetrics({ 'train/loss': 1 / s, 'train/non_zero_frac': 0.03, 'train/lr': 3e-4 }, s);
      await log.flush();
      log.logMetrics({ 'eval/loss': 0.2 }, 5);
      await log.close('completed');
      const [viewer] = graphql(srv, 'Viewer');
      const [create, config] = graphql(srv, 'upsertBucket');
      expect(srv.requests[0]).toBe(viewer);
      expect(viewer!.auth).toBe(`Basic ${Buffer.from('api:test-key').toString('base64')}`);
      expect(String(viewer!.body['query'])).toContain('viewer');
      expect(create!.body['variables']).toMatchObject({ project: 'sparse-autoencoder', entity: 'alice', displayName: log.runName, name: log.runId });
      expect(JSON.parse((config!.body['variables'] as Record<string, string>)['config']!)).toEqual({ model: { value: { k: 32 }, desc: null }, run_dir: { value: dir, desc: null } });
      const history = srv.history();
      expect(history.map((h) => h.offset)).toEqual([0, 5]);
      const rows = history.flatMap((h) => h.content.map((l) => JSON.parse(l)));
      expect(rows.map((r) => r._step)).toEqual([1, 2, 3, 4, 5, 5]);
      expect(rows[0]).toMatchObject({ 'train/loss': 1, 'train/non_zero_frac': 0.03, 'train/lr': 3e-4 });
      expect(srv.requests.at(-1)!.body).toEqual({ complete: true, exitcode: 0 });
      expect(srv.requests.every((r) => r.path === '/graphql' || r.path === `/files/alice/sparse-autoencoder/${log.runId}/file_stream`)).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('fails at start with a clear message for a missing or rejected key', async () => {
    const srv = await startFakeWandb();
    try {
      await expect(createWandbLogger({ modelName: 'm', env: { WANDB_BASE_URL: srv.url, HOME: dir }, ...steady })).rejects.toThrow(/needs an API key[\s\S]*WANDB_API_KEY/);
      await expect(createWandbLogger({ modelName: 'm', env: env(srv.url, { WANDB_API_KEY: 'wrong' }), ...steady })).rejects.toThrow(/rejected the API key \(HTTP 401/);
    } finally {
      await srv.close();
    }
  });

  it('retries 500s with backoff and delivers every metric in order', async () => {
    const srv = await startFakeWandb({ fail: (r, n) => (r.path.endsWith('file_stream') && n % 2 === 1 ? 500 : undefined) });
    try {
      const log = await createWandbLogger({ modelName: 'm', env: env(srv.url), report: () => {}, ...steady });
      for (let s = 1; s <= 3; s++) log.logMetrics({ 'train/loss': s }, s);
      await log.flush();
      for (let s = 4; s <= 6; s++) log.logMetrics({ 'train/loss': s }, s);
      await log.close('completed');
      const delivered = srv.requests.filter((r) => r.path.endsWith('file_stream') && r.body['files']);
      const offsets = delivered.map((r) => (r.body['files'] as Record<string, { offset: number }>)['wandb-history.jsonl']!.offset);
      expect(offsets).toContain(3);
      expect(srv.requests.some((r) => r.path.endsWith('file_stream'))).toBe(true);
      expect(srv.requests.at(-1)!.body).toEqual({ complete: true, exitcode: 0 });
    } finally {
      await srv.close();
    }
  });

  it('rows logged while a failing send is in flight go after the failed ones: history stays in step order', async () => {
    let down = true;
    const accepted: Recorded[] = [];
    const srv = await startFakeWandb({
      fail: (r) => {
        if (!r.path.endsWith('file_stream') || !r.body['files']) return undefined;
        if (down) return 503;
        accepted.push(r);
        return undefined;
      },
    });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const log = await createWandbLogger({ modelName: 'm', env: env(srv.url), report: () => {}, ...steady, retry: { attempts: 3, backoffMs: 40, timeoutMs: 10_000 } });
      for (let s = 1; s <= 3; s++) log.logMetrics({ 'train/loss': s }, s);
      await sleep(30); // the timer's send of rows 1-3 is now in flight, retrying
      for (let s = 4; s <= 5; s++) log.logMetrics({ 'train/loss': s }, s);
      await sleep(400); // that send has failed for good; rows 1-5 are queued
      down = false;
      for (let s = 6; s <= 7; s++) log.logMetrics({ 'train/loss': s }, s);
      await log.close('completed');
      const history = accepted.flatMap((r) => (r.body['files'] as Record<string, { content: string[] }>)['wandb-history.jsonl']!.content)
        .map((l) => (JSON.parse(l) as { _step: number })._step);
      expect(history).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await srv.close();
    }
  });

  it('never blocks training on a hanging server, and keeps what it could not send on disk', async () => {
    const srv = await startFakeWandb({ fail: (r) => (r.path.endsWith('file_stream') ? 'hang' : undefined) });
    const reports: string[] = [];
    try {
      const log = await createWandbLogger({ modelName: 'm', env: env(srv.url), report: (m) => void reports.push(m), ...fast });
      await log.logHyperparams({ run_dir: dir });
      // logMetrics only queues: it returns nothing to wait for while every upload hangs.
      for (let s = 1; s <= 4; s++) expect(log.logMetrics({ 'train/loss': s }, s)).toBeUndefined();
      await log.flush();
      const unsent = join(dir, 'wandb', `unsent-${log.runId}.jsonl`);
      const lines = (await readFile(unsent, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l._step)).toEqual([1, 2, 3, 4]);
      expect(reports.some((r) => r.includes('stay queued'))).toBe(true);
      expect(reports.some((r) => r.includes(unsent))).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('offline mode writes the run into the run folder, and wandb-sync uploads it later', async () => {
    const reports: string[] = [];
    const log = await createWandbLogger({ modelName: 'm', env: { WANDB_MODE: 'offline' }, report: (m) => void reports.push(m) });
    log.logMetrics({ 'train/loss': 1 }, 1);
    await log.logHyperparams({ run_dir: dir, model: { k: 4 } });
    log.logMetrics({ 'train/loss': 0.5 }, 2);
    await log.close('completed');
    expect((await readdir(join(dir, 'wandb'))).sort()).toEqual(['wandb-history.jsonl', 'wandb-run.json']);
    expect(reports[0]).toContain(`deeplens wandb-sync ${join(dir, 'wandb')}`);
    const srv = await startFakeWandb();
    try {
      const r = await syncOfflineRun(dir, { env: env(srv.url), chunkLines: 1 });
      expect(r).toEqual({ runId: log.runId, lines: 2, entity: 'alice', project: 'sparse-autoencoder' });
      expect(srv.history().map((h) => [h.offset, JSON.parse(h.content[0]!)._step])).toEqual([[0, 1], [1, 2]]);
      expect(srv.requests.at(-1)!.body).toEqual({ complete: true, exitcode: 0 });
    } finally {
      await srv.close();
    }
  });

  it('disabled mode does nothing; settings come from the environment and ~/.netrc', async () => {
    const log = await createWandbLogger({ modelName: 'm', env: { WANDB_MODE: 'disabled' } });
    expect(log.mode).toBe('disabled');
    const netrc = join(dir, '.netrc');
    await writeFile(netrc, 'machine example.org login x password nope\nmachine wandb.example.com\n  login user\n  password from-netrc\n');
    expect(netrcPassword(netrc, 'wandb.example.com')).toBe('from-netrc');
    const s = resolveWandbSettings({}, { WANDB_BASE_URL: 'https://wandb.example.com/', WANDB_PROJECT: 'p', WANDB_ENTITY: 'e' }, netrc);
    expect(s).toEqual({ mode: 'online', baseUrl: 'https://wandb.example.com', apiKey: 'from-netrc', project: 'p', entity: 'e' });
    expect(() => resolveWandbSettings({}, { WANDB_MODE: 'sometimes' })).toThrow(/WANDB_MODE/);
  });
});
