import { BackendNotFoundError, BackendUnavailableError } from '../errors.js';
import type { Backend } from './backend.js';
import type { Availability, BackendPlugin, CommonBackendOptions } from './backend-plugin.js';

export interface BackendStatus {
  name: string;
  priority: number;
  description: string | undefined;
  availability: Availability;
}

/**
 * Explicit registry of backend plugins. Nothing registers itself on import: the composition root
 * (the CLI, or a user's script) decides which plugins exist.
 */
export interface CreateBackendOptions {
  /**
   * Told when 'auto' passes over an installed backend of higher priority that cannot run here,
   * with the reason (a silent fallback to a slower backend hides a broken install).
   */
  warn?: (message: string) => void;
  /** Told before each (possibly slow) probe, e.g. to print a progress line. */
  onProbe?: (name: string) => void;
}

export interface StatusOptions {
  /** Run each installed plugin's probe (default true); false: report installation only. */
  probe?: boolean;
  onProbe?: (name: string) => void;
}

/** Any plugin, whatever its options type (the registry only hands it the common options it maps itself). */
type AnyPlugin = BackendPlugin<unknown>;

export class BackendRegistry {
  readonly #plugins = new Map<string, AnyPlugin>();

  /** Plugins can also be registered later with `register`. */
  constructor(plugins: ReadonlyArray<BackendPlugin<unknown>> = []) {
    for (const p of plugins) this.register(p);
  }

  register<O>(plugin: BackendPlugin<O>): this {
    if (this.#plugins.has(plugin.name)) {
      throw new BackendNotFoundError(`a backend named '${plugin.name}' is already registered`);
    }
    this.#plugins.set(plugin.name, plugin as AnyPlugin);
    return this;
  }

  names(): string[] {
    return [...this.#plugins.values()].sort((a, b) => b.priority - a.priority).map((p) => p.name);
  }

  get(name: string): BackendPlugin<unknown> | undefined {
    return this.#plugins.get(name);
  }

  /** Every plugin by priority: installed or not (cheap), and — when probing — whether it can run here. */
  async status(options: StatusOptions = {}): Promise<BackendStatus[]> {
    const plugins = [...this.#plugins.values()].sort((a, b) => b.priority - a.priority);
    const out: BackendStatus[] = [];
    for (const p of plugins) out.push({ name: p.name, priority: p.priority, description: p.description, availability: await check(p, options.probe ?? true, options.onProbe) });
    return out;
  }

  /**
   * `device`: 'auto' takes the first plugin by priority that is installed, passes its probe and
   * computes exactly (float32, IEEE NaN/Inf — see `Availability.capabilities`; lower ones are not
   * even probed); an inexact one only when nothing else is available. A name takes that backend. `common` options are mapped by
   * each plugin onto its own typed options.
   */
  async create(device: string = 'auto', common: CommonBackendOptions = {}, how: CreateBackendOptions = {}): Promise<Backend> {
    if (device === 'auto') {
      const tried: BackendStatus[] = [];
      let inexact: { plugin: AnyPlugin; why: string } | undefined;
      // Available here but ranked lower than their priority (Availability.autoPriority), best first.
      const deferred: Array<{ plugin: AnyPlugin; rank: number }> = [];
      const take = (p: AnyPlugin): Promise<Backend> | Backend => {
        for (const s of tried) {
          if (s.availability.installed === false) continue;
          how.warn?.(`backend '${s.name}' is installed but cannot run here (${s.availability.reason ?? 'no reason given'}); using '${p.name}' instead`);
        }
        if (inexact) how.warn?.(`backend '${inexact.plugin.name}' would compute ${inexact.why}; using '${p.name}', which is exact`);
        return p.create(p.optionsFrom?.(common));
      };
      for (const p of [...this.#plugins.values()].sort((a, b) => b.priority - a.priority)) {
        if (deferred[0] && deferred[0].rank > p.priority) return take(deferred[0].plugin);
        const availability = await check(p, true, how.onProbe);
        if (availability.available) {
          const why = inexactness(availability);
          if (!why && availability.autoPriority !== undefined && availability.autoPriority < p.priority) {
            deferred.push({ plugin: p, rank: availability.autoPriority });
            deferred.sort((a, b) => b.rank - a.rank);
            continue;
          }
          if (!why) return take(p);
          inexact ??= { plugin: p, why };
          continue;
        }
        tried.push({ name: p.name, priority: p.priority, description: p.description, availability });
      }
      if (deferred[0]) return take(deferred[0].plugin);
      if (inexact) {
        how.warn?.(`no exact backend is available; using '${inexact.plugin.name}', which computes ${inexact.why}`);
        return inexact.plugin.create(inexact.plugin.optionsFrom?.(common));
      }
      throw new BackendUnavailableError('no registered backend is available', { hint: describeStatuses(tried) });
    }
    const plugin = this.#plugins.get(device);
    if (!plugin) {
      throw new BackendNotFoundError(`unknown backend '${device}'`, {
        hint: `known backends: ${this.names().join(', ') || '(none registered)'}; or use 'auto'`,
      });
    }
    const availability = await check(plugin, true, how.onProbe);
    if (!availability.available) {
      throw new BackendUnavailableError(`backend '${device}' is not available here: ${availability.reason ?? 'no reason given'}`, {
        hint: describeStatuses(await this.status({ probe: false })),
      });
    }
    return plugin.create(plugin.optionsFrom?.(common));
  }
}

/** Why a backend's numbers would be less exact than float32 IEEE arithmetic, or undefined. */
function inexactness(a: Availability): string | undefined {
  const c = a.capabilities ?? {};
  const why = [c.floatBits === 16 ? 'in float16' : '', c.ieeeNonFinite === false ? 'without IEEE NaN/Inf (divergence cannot be detected reliably)' : ''].filter(Boolean);
  return why.length ? why.join(' and ') : undefined;
}

/** Installed (cheap), then the probe when asked; a throwing check counts as unavailable. */
async function check(plugin: AnyPlugin, probe: boolean, onProbe?: (name: string) => void): Promise<Availability> {
  let installed = true;
  try {
    installed = (await plugin.isInstalled?.()) ?? true;
  } catch (error) {
    return { available: false, reason: `installation check failed: ${(error as Error).message}` };
  }
  if (!installed) return { available: false, installed: false, reason: `${plugin.description ?? plugin.name} is not installed` };
  if (!probe) return { available: false, installed: true, reason: 'not probed' };
  onProbe?.(plugin.name);
  const a = await safeAvailability(plugin);
  return a.installed === undefined ? { ...a, installed: a.installed ?? true } : a;
}

async function safeAvailability(plugin: AnyPlugin): Promise<Availability> {
  try {
    return await plugin.isAvailable();
  } catch (error) {
    return { available: false, reason: `availability check failed: ${(error as Error).message}` };
  }
}

function describeStatuses(statuses: BackendStatus[]): string {
  return statuses
    .map((s) => `${s.name}: ${s.availability.available ? 'available' : `unavailable (${s.availability.reason ?? 'unknown'})`}`)
    .join('; ');
}
