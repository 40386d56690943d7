import type { SaeConfigInput } from '@deeplens/core';
import { ConfigValidationError, mergeIssues, toConfigIssues, type ConfigIssue } from './config-issues.js';
import { didYouMean } from './did-you-mean.js';
import { MODEL_CONFIG_KEYS, modelConfigSchema, modelConfigToInput, modelRuleIssues } from './model-config-schema.js';
import { dataRuleIssues, optimRuleIssues, SECTION_SCHEMAS, TOP_LEVEL_KEYS, trainerRuleIssues, type DataSection, type OptimSection, type SectionName, type TrainerSection } from './run-config-schema.js';

/** A whole config.yaml, validated: the model keys and the data/optim/trainer sections with defaults. */
export interface RunConfig {
  model: SaeConfigInput;
  /** The model keys as written (snake_case), for printing. */
  modelYaml: Record<string, unknown>;
  data: DataSection;
  optim: OptimSection;
  trainer: TrainerSection;
}

/**
 * Validate a config object (parsed YAML, maybe with command-line values merged in) in one pass:
 * every problem at once, each naming its key path; unknown keys (top level or in a section) get a
 * suggestion. `flagged` maps key paths to the flag that set them, so those problems name the flag.
 */
export function resolveRunConfig(raw: Record<string, unknown>, source: string, flagged: ReadonlyMap<string, string> = new Map()): RunConfig {
  const schemaIssues: ConfigIssue[] = [];
  const modelRaw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((MODEL_CONFIG_KEYS as readonly string[]).includes(key)) modelRaw[key] = value;
    else if (!(key in SECTION_SCHEMAS)) {
      const guess = didYouMean(key, TOP_LEVEL_KEYS);
      schemaIssues.push({ path: key, message: 'unknown key', hint: guess ? `did you mean '${guess}'?` : `known keys: ${TOP_LEVEL_KEYS.join(', ')}` });
    }
  }
  const model = modelConfigSchema.safeParse(modelRaw);
  if (!model.success) schemaIssues.push(...toConfigIssues(model.error, () => MODEL_CONFIG_KEYS));
  const sections: Partial<Record<SectionName, unknown>> = {};
  for (const [name, schema] of Object.entries(SECTION_SCHEMAS) as Array<[SectionName, (typeof SECTION_SCHEMAS)[SectionName]]>) {
    const parsed = schema.safeParse(raw[name] ?? {});
    if (parsed.success) sections[name] = parsed.data;
    else schemaIssues.push(...toConfigIssues(parsed.error, () => Object.keys(schema.shape), name));
  }
  // The value rules (core's and the trainer's rule functions), each mistake named once.
  const rules = [...modelRuleIssues(modelRaw), ...dataRuleIssues(raw['data']), ...optimRuleIssues(raw['optim']), ...trainerRuleIssues(raw['trainer'])];
  const issues = mergeIssues(schemaIssues, rules);
  if (issues.length || !model.success) {
    const blamed = issues.map((i) => (flagged.has(i.path) ? { ...i, path: `${i.path} (from ${flagged.get(i.path)})` } : i));
    const fromFlags = blamed.filter((i, n) => i !== issues[n]).length;
    const where = fromFlags === 0 ? source : fromFlags === issues.length ? 'command-line flags' : `${source} and command-line flags`;
    throw new ConfigValidationError(where, blamed);
  }
  return {
    model: modelConfigToInput(model.data),
    modelYaml: model.data as unknown as Record<string, unknown>,
    data: sections.data as DataSection,
    optim: sections.optim as OptimSection,
    trainer: sections.trainer as TrainerSection,
  };
}
