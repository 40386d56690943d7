import { readFileSync } from 'node:fs';
import { DataFileNotFoundError, type SaeConfigInput } from '@deeplens/core';
import yaml from 'js-yaml';
import { ConfigValidationError, toConfigIssues } from './config-issues.js';
import { MODEL_CONFIG_KEYS, modelConfigSchema, modelConfigToInput } from './model-config-schema.js';
import { normalizeYamlValue } from './yaml-values.js';

/** Parse YAML text into plain values (None → null, numeric strings → numbers), naming the file on syntax errors. */
export function parseYaml(text: string, source: string): unknown {
  try {
    return normalizeYamlValue(yaml.load(text));
  } catch (error) {
    const e = error as { mark?: { line: number; column: number }; reason?: string; message: string };
    const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
    throw new ConfigValidationError(source, [{ path: '', message: `invalid YAML${where}: ${e.reason ?? e.message}` }]);
  }
}

/** Validate the model keys of a config object (snake_case, as in config.yaml). */
export function modelConfigFromObject(raw: unknown, source: string): SaeConfigInput {
  const parsed = modelConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigValidationError(source, toConfigIssues(parsed.error, () => MODEL_CONFIG_KEYS));
  return modelConfigToInput(parsed.data);
}

/** The sections a config.yaml may hold beside the model keys (read by the CLI; configFromYaml passes over them). */
export const CONFIG_SECTIONS = ['data', 'optim', 'trainer'] as const;

/**
 * SAETrainer.config_from_yaml: the model keys of a config.yaml → SparseAutoencoder config. The
 * `data:`, `optim:` and `trainer:` sections the same file may hold (for the CLI) are passed over;
 * any other unknown key is an error.
 */
export function configFromYaml(path: string): SaeConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataFileNotFoundError(`config file ${path} cannot be read`, { cause: error });
  }
  const raw = parseYaml(text, path);
  const model = raw && typeof raw === 'object' && !Array.isArray(raw)
    ? Object.fromEntries(Object.entries(raw).filter(([key]) => !(CONFIG_SECTIONS as readonly string[]).includes(key)))
    : raw;
  return modelConfigFromObject(model, path);
}
