import { readFileSync } from 'node:fs';
import { DataFileNotFoundError, type SaeConfigInput } from '@deeplens/core';
import { ConfigValidationError, mergeIssues, toConfigIssues } from './config-issues.js';
import { MODEL_CONFIG_KEYS, modelConfigSchema, modelConfigToInput, modelRuleIssues } from './model-config-schema.js';
import { resolveRunConfig } from './resolve-run-config.js';
import { parseYaml } from './parse-yaml.js';

/** Validate the model keys of a config object (snake_case, as in config.yaml). */
export function modelConfigFromObject(raw: unknown, source: string): SaeConfigInput {
  const parsed = modelConfigSchema.safeParse(raw ?? {});
  const schemaIssues = parsed.success ? [] : toConfigIssues(parsed.error, () => MODEL_CONFIG_KEYS);
  const issues = mergeIssues(schemaIssues, raw && typeof raw === 'object' ? modelRuleIssues(raw as Record<string, unknown>) : []);
  if (issues.length || !parsed.success) throw new ConfigValidationError(source, issues);
  return modelConfigToInput(parsed.data);
}

/**
 * SAETrainer.config_from_yaml: the model keys of a config.yaml → SparseAutoencoder config. The
 * whole file is validated (the `data:`, `optim:` and `trainer:` sections the CLI reads too), so a
 * misspelt key anywhere is an error here as well; use `resolveRunConfig` for the sections' values.
 */
export function configFromYaml(path: string): SaeConfigInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataFileNotFoundError(`config file ${path} cannot be read`, { cause: error });
  }
  const raw = parseYaml(text, path);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return modelConfigFromObject(raw, path);
  return resolveRunConfig(raw as Record<string, unknown>, path).model;
}
