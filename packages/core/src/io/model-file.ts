import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { ModelFileError } from '../errors.js';
import { SparseAutoencoder } from '../sae/sparse-autoencoder.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeModelFile, encodeModelFile, MODEL_CONFIG_FILE, modelConfigJson, type LoadedModelFile, type SaveSaeOptions } from './model-bytes.js';

/**
 * Save a model as safetensors (SAELens names and orientation, float32) with its config in the
 * file's metadata and in config.json beside it (DeepLens's snake_case keys). Both writes are atomic.
 */
export async function saveSae(sae: SparseAutoencoder, path: string, options: SaveSaeOptions = {}): Promise<void> {
  await writeFileAtomic(path, await encodeModelFile(sae, options));
  if (options.writeConfigJson ?? true) {
    await writeFileAtomic(join(dirname(path), MODEL_CONFIG_FILE), modelConfigJson(sae, options.configExtras));
  }
}

/** Read and check a model file without creating tensors (a config.json beside it serves files without one inside). */
export async function readModelFile(path: string): Promise<LoadedModelFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ModelFileError(path, 'cannot be read', { cause: error, hint: 'check the path; a run folder holds best_model.safetensors' });
  }
  try {
    return decodeModelFile(bytes, path);
  } catch (error) {
    if (!(error instanceof ModelFileError && /no model config in its metadata/.test(error.message))) throw error;
    const configSource = join(dirname(path), MODEL_CONFIG_FILE);
    let configJson: string;
    try {
      configJson = await readFile(configSource, 'utf8');
    } catch (cause) {
      throw new ModelFileError(path, 'has no model config in its metadata and no config.json beside it', {
        cause,
        hint: 'put a config.json with input_dims, n_features, k/beta_l1, ... next to the file',
      });
    }
    return decodeModelFile(bytes, path, { configJson, configSource });
  }
}

export async function loadSae(options: { backend: Backend; path: string }): Promise<SparseAutoencoder> {
  const file = await readModelFile(options.path);
  return SparseAutoencoder.fromArrays({ backend: options.backend, config: file.config, params: file.params, source: options.path });
}
