import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../cpu/cpu-backend.js';
import { cpuBackendPlugin } from '../cpu/cpu-plugin.js';
import { BackendNotFoundError, BackendUnavailableError } from '../errors.js';
import type { BackendPlugin } from './backend-plugin.js';
import { BackendRegistry } from './backend-registry.js';

const fake = (name: string, priority: number, available: boolean): BackendPlugin => ({
  name,
  priority,
  isAvailable: () => (available ? { available } : { available, reason: `${name} needs a GPU` }),
  create: () => Object.assign(new CpuBackend(), { tag: name }),
});

describe('BackendRegistry', () => {
  it("'auto' picks the available backend of highest priority", async () => {
    const r = new BackendRegistry().register(cpuBackendPlugin).register(fake('gpu', 100, false)).register(fake('fast', 10, true));
    expect(r.names()).toEqual(['gpu', 'fast', 'cpu']);
    expect(((await r.create('auto')) as unknown as { tag: string }).tag).toBe('fast');
  });

  it("warns when 'auto' passes over an installed backend that cannot run, but not over one that is not installed", async () => {
    const missing: BackendPlugin = { ...fake('tfjs', 200, false), isAvailable: () => ({ available: false, installed: false, reason: 'not installed' }) };
    const r = new BackendRegistry([cpuBackendPlugin, fake('gpu', 100, false), missing, fake('fast', 10, true)]);
    const warnings: string[] = [];
    expect(((await r.create('auto', {}, { warn: (m) => warnings.push(m) })) as unknown as { tag: string }).tag).toBe('fast');
    expect(warnings).toEqual(["backend 'gpu' is installed but cannot run here (gpu needs a GPU); using 'fast' instead"]);
  });

  it("'auto' ranks a plugin by its probe's autoPriority when lower: below a faster backend, above a slower one, and by name as usual", async () => {
    const ranked = (rank: number): BackendPlugin => ({ ...fake('tfjs', 30, true), isAvailable: () => ({ available: true, autoPriority: rank }) });
    const tag = async (r: BackendRegistry, device = 'auto') => ((await r.create(device)) as unknown as { tag?: string }).tag ?? 'cpu';
    expect(await tag(new BackendRegistry([cpuBackendPlugin, ranked(5), fake('wasm', 10, true)]))).toBe('wasm');
    expect(await tag(new BackendRegistry([cpuBackendPlugin, ranked(5), fake('wasm', 10, false)])), 'wasm cannot run: tfjs before cpu').toBe('tfjs');
    expect(await tag(new BackendRegistry([cpuBackendPlugin, ranked(5)]))).toBe('tfjs');
    expect(await tag(new BackendRegistry([cpuBackendPlugin, ranked(-1)])), 'ranked below cpu').toBe('cpu');
    expect(await tag(new BackendRegistry([cpuBackendPlugin, ranked(5), fake('wasm', 10, true)]), 'tfjs')).toBe('tfjs');
  });

  it('takes plugins in its constructor', () => {
    expect(new BackendRegistry([cpuBackendPlugin, fake('gpu', 100, false)]).names()).toEqual(['gpu', 'cpu']);
    expect(() => new BackendRegistry([cpuBackendPlugin, cpuBackendPlugin])).toThrow(/already registered/);
  });

  it('names what exists and why a backend is unavailable', async () => {
    const r = new BackendRegistry().register(cpuBackendPlugin).register(fake('gpu', 100, false));
    await expect(r.create('tpu')).rejects.toThrow(BackendNotFoundError);
    await expect(r.create('tpu')).rejects.toThrow(/known backends: gpu, cpu/);
    await expect(r.create('gpu')).rejects.toThrow(BackendUnavailableError);
    await expect(r.create('gpu')).rejects.toThrow(/gpu needs a GPU/);
    const status = await r.status();
    expect(status.map((s) => [s.name, s.availability.available])).toEqual([['gpu', false], ['cpu', true]]);
  });

  it('rejects duplicate names and reports a throwing availability check as unavailable', async () => {
    const r = new BackendRegistry().register(cpuBackendPlugin);
    expect(() => r.register(cpuBackendPlugin)).toThrow(/already registered/);
    r.register({ ...fake('broken', 5, true), isAvailable: () => { throw new Error('boom'); } });
    const s = (await r.status()).find((x) => x.name === 'broken')!;
    expect(s.availability).toEqual({ available: false, installed: true, reason: 'availability check failed: boom' });
  });

  it('checks installation cheaply first, probes only installed plugins, and auto stops probing at the first that fits', async () => {
    const probed: string[] = [];
    const plugin = (name: string, priority: number, installed: boolean, available: boolean): BackendPlugin => ({
      ...fake(name, priority, available),
      isInstalled: () => installed,
      isAvailable: () => {
        probed.push(name);
        return available ? { available } : { available, reason: `${name} has no device` };
      },
    });
    const r = new BackendRegistry([plugin('cuda', 300, false, false), plugin('webgpu', 200, true, false), plugin('fast', 100, true, true), plugin('slow', 50, true, true)]);
    const listing = await r.status({ probe: false });
    expect(probed).toEqual([]);
    expect(listing.map((s) => [s.name, s.availability.installed])).toEqual([['cuda', false], ['webgpu', true], ['fast', true], ['slow', true]]);
    const progress: string[] = [];
    expect(((await r.create('auto', {}, { onProbe: (n) => progress.push(n) })) as unknown as { tag: string }).tag).toBe('fast');
    expect(probed).toEqual(['webgpu', 'fast']);
    expect(progress).toEqual(['webgpu', 'fast']);
  });

  it('hands each plugin its own typed options, mapped from the common ones', async () => {
    interface ThreadedOptions { workers: number }
    const made: Array<ThreadedOptions | undefined> = [];
    const threaded: BackendPlugin<ThreadedOptions> = {
      name: 'threaded', priority: 1, isAvailable: () => ({ available: true }),
      optionsFrom: (common) => ({ workers: common.threads ?? 1 }),
      create: (options) => {
        made.push(options);
        return new CpuBackend();
      },
    };
    const r = new BackendRegistry().register(threaded).register(cpuBackendPlugin);
    await r.create('threaded', { threads: 3 });
    await r.create('auto');
    expect(made).toEqual([{ workers: 3 }, { workers: 1 }]);
    expect((await r.create('cpu', { threads: 3 })).name).toBe('cpu'); // a plugin without optionsFrom takes none
  });

  it('auto prefers an exact backend over a float16 or non-IEEE one, and says so', async () => {
    const half: BackendPlugin = { ...fake('webgl', 200, true), isAvailable: () => ({ available: true, capabilities: { floatBits: 16 } }) };
    const warnings: string[] = [];
    const r = new BackendRegistry([half, fake('fast', 10, true)]);
    expect(((await r.create('auto', {}, { warn: (m) => warnings.push(m) })) as unknown as { tag: string }).tag).toBe('fast');
    expect(warnings).toEqual(["backend 'webgl' would compute in float16; using 'fast', which is exact"]);
    const only = new BackendRegistry([half, fake('gpu', 100, false)]);
    const w2: string[] = [];
    expect(((await only.create('auto', {}, { warn: (m) => w2.push(m) })) as unknown as { tag: string }).tag).toBe('webgl');
    expect(w2).toEqual(["no exact backend is available; using 'webgl', which computes in float16"]);
  });
});
