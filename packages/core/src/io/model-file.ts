import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { shapeToString } from '../backend/tensor.js';
import { DeepLensError, ModelFileError } from '../errors.js';
import { saeConfigFromSnakeCase, saeConfigToSnakeCase, type SaeConfig } from '../sae/sae-config.js';
import { saeParamShapes } from '../sae/sae-params.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeSafetensors, parseSafetensors, readSafetensorsFloat32, type SafetensorsInput } from './safetensors.js';

export const MODEL_FORMAT = 'deeplens-sae';
export const MODEL_CONFIG_FILE = 'config.json';

export interface SaveSaeOptions {
  /** Extra top-level keys for the config.json beside the model (trainer options, norm statistics). */
  configExtras?: Record<string, unknown>;
  /** Write config.json beside the model (default true). */
  writeConfigJson?: boolean;
}

/**
 * Save a model as safetensors (SAELens names and orientation, float32) with its config in the
 * file's metadata and in config.json beside it (DeepLens's snake_case keys). Both writes are atomic.
 */
export async function saveSae(sae: SparseAutoencoder, path: string, options: SaveSaeOptions = {}): Promise<void> {
  const arrays = await sae.toArrays();
  const snake = saeConfigToSnakeCase(sae.config);
  const tensors = new Map<string, SafetensorsInput>(arrays);
  await writeFileAtomic(path, encodeSafetensors(tensors, { format: MODEL_FORMAT, config: JSON.stringify(snake) }));
  if (options.writeConfigJson ?? true) {
    const config = { ...snake, ...options.configExtras };
    await writeFileAtomic(join(dirname(path), MODEL_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  }
}

export interface LoadedModelFile {
  config: SaeConfig;
  params: Map<string, Float32Array>;
  /** The metadata strings stored in the file. */
  metadata: Record<string, string>;
}

/** Read and check a model file without creating tensors. */
export async function readModelFile(path: string): Promise<LoadedModelFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ModelFileError(path, 'cannot be read', { cause: error, hint: 'check the path; a run folder holds best_model.safetensors' });
  }
  const header = parseSafetensors(bytes, path);
  const config = await resolveConfig(path, header.metadata);
  const params = new Map<string, Float32Array>();
  for (const [name, shape] of saeParamShapes(config)) {
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
  return { config, params, metadata: header.metadata };
}

export async function loadSae(options: { backend: Backend; path: string }): Promise<SparseAutoencoder> {
  const file = await readModelFile(options.path);
  return SparseAutoencoder.fromArrays({ backend: options.backend, config: file.config, params: file.params, source: options.path });
}

async function resolveConfig(path: string, metadata: Record<string, string>): Promise<SaeConfig> {
  let raw: Record<string, unknown> | undefined;
  let where = `${path} (metadata)`;
  if (metadata['config']) {
    raw = parseJson(metadata['config'], where);
  } else {
    where = join(dirname(path), MODEL_CONFIG_FILE);
    let text: string;
    try {
      text = await readFile(where, 'utf8');
    } catch (error) {
      throw new ModelFileError(path, 'has no model config in its metadata and no config.json beside it', {
        cause: error,
        hint: 'put a config.json with input_dims, n_features, k/beta_l1, ... next to the file',
      });
    }
    raw = parseJson(text, where);
  }
  try {
    return saeConfigFromSnakeCase(raw);
  } catch (error) {
    if (error instanceof DeepLensError) throw new ModelFileError(where, `invalid model config: ${error.message}`, { cause: error });
    throw error;
  }
}

function parseJson(text: string, where: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ModelFileError(where, 'model config is not valid JSON', { cause: error });
  }
}
