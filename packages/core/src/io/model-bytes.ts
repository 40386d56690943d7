import { shapeToString } from '../backend/tensor.js';
import { normStatsFromJson, normStatsToJson, type NormStats } from '../data/norm-stats.js';
import { DeepLensError, ModelFileError } from '../errors.js';
import { saeConfigFromSnakeCase, saeConfigToSnakeCase, type SaeConfig } from '../sae/sae-config.js';
import { saeBufferShapes, saeParamShapes } from '../sae/sae-params.js';
import type { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { encodeSafetensors, parseSafetensors, readSafetensorsFloat32, type SafetensorsInput } from './safetensors.js';

/**
 * The model file format on bytes, with no file system: what `saveSae`/`readModelFile`
 * (`@deeplens/core/node`) write and read, and what a browser downloads or uploads.
 */

export const MODEL_FORMAT = 'deeplens-sae';
export const MODEL_CONFIG_FILE = 'config.json';

export type ModelFileOptions = Omit<SaveSaeOptions, 'writeConfigJson'>;

export interface SaveSaeOptions {
  /**
   * Extra top-level keys (trainer options, dataset, optimiser) for the config.json beside the
   * model; they are also stored in the file's metadata (`run`), so the file alone describes its run.
   */
  configExtras?: Record<string, unknown>;
  /**
   * The per-dimension statistics the model's inputs were normalised with; stored in the file's
   * metadata (`norm`), so a model file moved away from its config.json still evaluates correctly.
   */
  normStats?: NormStats;
  /** Write config.json beside the model (default true). */
  writeConfigJson?: boolean;
}

export interface LoadedModelFile {
  config: SaeConfig;
  params: Map<string, Float32Array>;
  /** The metadata strings stored in the file. */
  metadata: Record<string, string>;
  /** Normalisation statistics stored in the file (undefined: none stored, or a model of raw inputs). */
  normStats: NormStats | undefined;
  /** Whether the file records its normalisation (files from before it did say nothing either way). */
  recordsNorm: boolean;
  /** The run description stored in the file (trainer options, dataset, optimiser), if any. */
  run: Record<string, unknown> | undefined;
}

/**
 * A model as the bytes of its safetensors file (SAELens names and orientation, float32), with its
 * config, normalisation and run description in the metadata. Returns the file's parts in order.
 */
export async function encodeModelFile(sae: SparseAutoencoder, options: ModelFileOptions = {}): Promise<Uint8Array[]> {
  const arrays = await sae.toArrays();
  const metadata: Record<string, string> = { format: MODEL_FORMAT, config: JSON.stringify(saeConfigToSnakeCase(sae.config)) };
  if (options.normStats) metadata['norm'] = JSON.stringify(normStatsToJson(options.normStats));
  if (options.configExtras) metadata['run'] = JSON.stringify(options.configExtras);
  return encodeSafetensors(new Map<string, SafetensorsInput>(arrays), metadata);
}

/** The text of the config.json written beside a model file: its config (snake_case) and the run's extras. */
export function modelConfigJson(sae: SparseAutoencoder, configExtras: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ ...saeConfigToSnakeCase(sae.config), ...configExtras }, null, 2)}\n`;
}

/**
 * Parse and check a model file's bytes. `source` names it in errors. A file without a config in
 * its metadata needs `configJson`: the text of the config.json that came with it (`configSource`
 * names where it came from).
 */
export function decodeModelFile(bytes: Uint8Array, source: string, external?: { configJson: string; configSource: string }): LoadedModelFile {
  const path = source;
  const header = parseSafetensors(bytes, path);
  const config = resolveConfig(path, header.metadata, external);
  const params = new Map<string, Float32Array>();
  for (const [name, shape] of [...saeParamShapes(config), ...saeBufferShapes(config)]) {
    const entry = header.tensors.get(name);
    if (!entry) {
      throw new ModelFileError(path, `tensor '${name}' is missing (expected shape ${shapeToString(shape)})`, {
        tensor: name,
        hint: `the file has: ${[...header.tensors.keys()].join(', ') || 'no tensors'}`,
      });
    }
    if (entry.shape.length !== shape.length || entry.shape.some((s, i) => s !== shape[i])) {
      throw new ModelFileError(path, `tensor '${name}' has shape ${shapeToString(entry.shape)}, expected ${shapeToString(shape)}`, {
        tensor: name,
        hint: 'the config (input_dims, n_features, tie_weights, input_norm) does not match the weights',
      });
    }
    params.set(name, readSafetensorsFloat32(bytes, header, name, path));
  }
  const run = header.metadata['run'] !== undefined ? parseJson(header.metadata['run'], `${path} (metadata 'run')`) : undefined;
  const normJson = header.metadata['norm'] !== undefined ? parseJson(header.metadata['norm'], `${path} (metadata 'norm')`) : undefined;
  let normStats: NormStats | undefined;
  if (normJson) {
    normStats = normStatsFromJson(normJson as unknown as Parameters<typeof normStatsFromJson>[0]);
    if (normStats.mean.length !== config.inputDims || normStats.std.length !== config.inputDims) {
      throw new ModelFileError(path, `its normalisation statistics have width ${normStats.mean.length}, the model's input_dims is ${config.inputDims}`);
    }
  }
  // A run that records itself but has no 'norm' trained on raw inputs; older files say nothing.
  const recordsNorm = normJson !== undefined || (run !== undefined && (run['dataset'] as { norm?: unknown } | undefined)?.norm === null);
  return { config, params, metadata: header.metadata, normStats, recordsNorm, run };
}


function resolveConfig(path: string, metadata: Record<string, string>, external: { configJson: string; configSource: string } | undefined): SaeConfig {
  let raw: Record<string, unknown>;
  let where = `${path} (metadata)`;
  if (metadata['config']) {
    raw = parseJson(metadata['config'], where);
  } else if (external) {
    where = external.configSource;
    raw = parseJson(external.configJson, where);
  } else {
    throw new ModelFileError(path, 'has no model config in its metadata and no config.json beside it', {
      hint: 'put a config.json with input_dims, n_features, k/beta_l1, ... next to the file',
    });
  }
  try {
    return saeConfigFromSnakeCase(raw);
  } catch (error) {
    if (error instanceof DeepLensError) throw new ModelFileError(where, `invalid model config: ${error.message}`, { cause: error });
    throw error;
  }
}

function parseJson(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(where, 'is not valid JSON (corrupt or hand-edited?)', { cause: error, hint: 'restore it from the run folder or a backup' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelFileError(where, 'must hold a JSON object');
  return value as Record<string, unknown>;
}
