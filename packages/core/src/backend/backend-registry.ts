import { BackendNotFoundError, BackendUnavailableError } from '../errors.js';
import type { Backend } from './backend.js';
import type { Availability, BackendPlugin } from './backend-plugin.js';

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
}

export class BackendRegistry {
  readonly #plugins = new Map<string, BackendPlugin>();

  /** Plugins can also be registered later with `register`. */
  constructor(plugins: readonly BackendPlugin[] = []) {
    for (const p of plugins) this.register(p);
  }

  register(plugin: BackendPlugin): this {
    if (this.#plugins.has(plugin.name)) {
      throw new BackendNotFoundError(`a backend named '${plugin.name}' is already registered`);
    }
    this.#plugins.set(plugin.name, plugin);
    return this;
  }

  names(): string[] {
    return [...this.#plugins.values()].sort((a, b) => b.priority - a.priority).map((p) => p.name);
  }

  get(name: string): BackendPlugin | undefined {
    return this.#plugins.get(name);
  }

  async status(): Promise<BackendStatus[]> {
    const plugins = [...this.#plugins.values()].sort((a, b) => b.priority - a.priority);
    return Promise.all(
      plugins.map(async (p) => ({
        name: p.name,
        priority: p.priority,
        description: p.description,
        availability: await safeAvailability(p),
      })),
    );
  }

  /** `device`: 'auto' picks the available backend of highest priority; a name picks that backend. */
  async create(device: string = 'auto', options?: Record<string, unknown>, how: CreateBackendOptions = {}): Promise<Backend> {
    if (device === 'auto') {
      const statuses = await this.status();
      const best = statuses.find((s) => s.availability.available);
      if (!best) {
        throw new BackendUnavailableError('no registered backend is available', {
          hint: describeStatuses(statuses),
        });
      }
      for (const s of statuses.slice(0, statuses.indexOf(best))) {
        if (s.availability.installed === false) continue;
        how.warn?.(`backend '${s.name}' is installed but cannot run here (${s.availability.reason ?? 'no reason given'}); using '${best.name}' instead`);
      }
      return this.#plugins.get(best.name)!.create(options);
    }
    const plugin = this.#plugins.get(device);
    if (!plugin) {
      throw new BackendNotFoundError(`unknown backend '${device}'`, {
        hint: `known backends: ${this.names().join(', ') || '(none registered)'}; or use 'auto'`,
      });
    }
    const availability = await safeAvailability(plugin);
    if (!availability.available) {
      throw new BackendUnavailableError(`backend '${device}' is not available here: ${availability.reason ?? 'no reason given'}`, {
        hint: describeStatuses(await this.status()),
      });
    }
    return plugin.create(options);
  }
}

async function safeAvailability(plugin: BackendPlugin): Promise<Availability> {
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
