import { ConfigValidationError, type ConfigIssue } from './config-issues.js';
import { didYouMean } from './did-you-mean.js';
import { MODEL_CONFIG_KEYS } from './model-config-schema.js';
import { resolveRunConfig, type RunConfig } from './resolve-run-config.js';
import { OPTIM_KEYS, TRAINER_KEYS } from './run-config-schema.js';

/**
 * A config.yaml with a `sweep:` section describes several SAEs: each listed key's values form a
 * grid (every combination, in the order written), and every SAE is the rest of the file with its
 * combination applied. The SAEs share one pass over the data, so only what a model is (model keys),
 * how it is optimised (`optim.*`, `lr` for short) and the per-model trainer settings may vary.
 *
 *   sweep:
 *     k: [16, 32, 64]
 *     architecture: [topk, batchtopk]
 *     lr: [1e-4, 3e-4]
 *
 * A value may be a mapping that sets several keys at once (applied after the plain values before
 * it), for settings that belong together:
 *
 *     architecture: [topk, { architecture: matryoshka, matryoshka_prefixes: [384, 1536, 6144] }]
 */
export interface SweepMember {
  /** Unique, usable as a folder name: index and the varied values, e.g. `03-k64-batchtopk-lr0.0003`. */
  name: string;
  /** The combination, as key paths (`k`, `optim.lr`) → values. */
  overrides: Record<string, unknown>;
  config: RunConfig;
}

export interface SweepConfig {
  /** The key paths that vary, in grid order, with their values. */
  grid: { path: string; values: unknown[] }[];
  members: SweepMember[];
}

/** Trainer keys that may differ between the SAEs of one pass (the rest drive the shared data loop). */
export const SWEEPABLE_TRAINER_KEYS = [
  'grad_clip_norm', 'lrs_type', 'warmup_fraction', 'remove_parallel_grad', 'l1_warmup_steps', 'dead_window_tokens', 'random_seed',
] as const;

const SHORTHANDS: Readonly<Record<string, string>> = { lr: 'optim.lr' };

/** The config has a sweep section (so `deeplens train` runs a sweep). */
export function isSweepConfig(raw: Readonly<Record<string, unknown>>): boolean {
  return raw['sweep'] !== undefined;
}

/** Every SAE of a sweep config, each validated as a whole config; all problems are reported at once. */
export function resolveSweepConfig(raw: Record<string, unknown>, source: string, flagged: ReadonlyMap<string, string> = new Map()): SweepConfig {
  const { sweep, ...base } = raw;
  const grid = sweepGrid(sweep, source);
  const combos = grid.reduce<Record<string, unknown>[]>((acc, g) => acc.flatMap((c) => g.values.map((v) => ({ ...c, [g.path]: v }))), [{}]);
  const members: SweepMember[] = [];
  const issues: ConfigIssue[] = [];
  const width = String(combos.length - 1).length;
  combos.forEach((overrides, i) => {
    const name = memberName(i, width, overrides);
    try {
      members.push({ name, overrides, config: resolveRunConfig(applyOverrides(base, overrides), source, flagged) });
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      issues.push(...error.issues.map((issue) => ({ ...issue, path: `sweep ${name}: ${issue.path}` })));
    }
  });
  if (issues.length) throw new ConfigValidationError(source, issues);
  return { grid, members };
}

function sweepGrid(sweep: unknown, source: string): SweepConfig['grid'] {
  const issues: ConfigIssue[] = [];
  if (!sweep || typeof sweep !== 'object' || Array.isArray(sweep) || Object.keys(sweep).length === 0) {
    throw new ConfigValidationError(source, [{ path: 'sweep', message: 'must map keys to lists of values', hint: 'e.g. sweep: { k: [16, 32], lr: [1e-4, 3e-4] }' }]);
  }
  const grid: SweepConfig['grid'] = [];
  for (const [key, values] of Object.entries(sweep)) {
    const path = SHORTHANDS[key] ?? key;
    const why = unsweepable(path);
    if (why) issues.push({ path: `sweep.${key}`, ...why });
    else if (!Array.isArray(values) || values.length === 0) issues.push({ path: `sweep.${key}`, message: 'must be a non-empty list of values', hint: `e.g. ${key}: [${JSON.stringify(values)}]` });
    else {
      for (const v of values.filter(isMapping)) {
        for (const inner of Object.keys(v)) {
          const bad = unsweepable(SHORTHANDS[inner] ?? inner);
          if (bad) issues.push({ path: `sweep.${key}[].${inner}`, ...bad });
        }
      }
      grid.push({ path, values });
    }
  }
  if (issues.length) throw new ConfigValidationError(source, issues);
  return grid;
}

function unsweepable(path: string): { message: string; hint?: string } | undefined {
  const [section, key, ...rest] = path.split('.');
  if (key === undefined) {
    if ((MODEL_CONFIG_KEYS as readonly string[]).includes(section!)) return undefined;
    const guess = didYouMean(section!, [...MODEL_CONFIG_KEYS, ...Object.keys(SHORTHANDS)]);
    return { message: 'is not a model key', hint: guess ? `did you mean '${guess}'?` : 'sweep model keys, lr, optim.<key> or trainer.<key>' };
  }
  if (rest.length === 0 && section === 'optim' && (OPTIM_KEYS as readonly string[]).includes(key)) return undefined;
  if (rest.length === 0 && section === 'trainer' && (SWEEPABLE_TRAINER_KEYS as readonly string[]).includes(key)) return undefined;
  if (section === 'data' || (section === 'trainer' && (TRAINER_KEYS as readonly string[]).includes(key))) {
    return { message: 'is shared by every SAE of a sweep (they train in one pass over the same batches)', hint: `set it outside sweep:, or run separate sweeps; trainer keys that may vary: ${SWEEPABLE_TRAINER_KEYS.join(', ')}` };
  }
  return { message: 'is not a key of the config', hint: 'sweep model keys, lr, optim.<key> or trainer.<key>' };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function applyOverrides(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(base);
  const flat = Object.entries(overrides).flatMap(([path, value]) =>
    isMapping(value) ? Object.entries(value).map(([k, v]) => [SHORTHANDS[k] ?? k, v] as const) : [[path, value] as const]);
  for (const [path, value] of flat) {
    const [section, key] = path.split('.');
    if (key === undefined) out[section!] = value;
    else out[section!] = { ...((out[section!] as Record<string, unknown> | undefined) ?? {}), [key]: value };
  }
  return out;
}

/** `03-k64-batchtopk-lr0.0003`: names say what varies; words stay words, numbers get their key. */
function memberName(i: number, width: number, overrides: Record<string, unknown>): string {
  const parts = Object.entries(overrides).map(([path, v]) => {
    const key = path.split('.').pop()!;
    if (isMapping(v)) return typeof v['architecture'] === 'string' ? v['architecture'] : Object.entries(v).map(([k, x]) => `${k}${String(x)}`).join('-');
    if (typeof v === 'string') return v;
    if (Array.isArray(v)) return `${key}${v.join('x')}`;
    return `${key}${String(v)}`;
  });
  return [String(i).padStart(width, '0'), ...parts].join('-').replace(/[^\w.-]/g, '_');
}
