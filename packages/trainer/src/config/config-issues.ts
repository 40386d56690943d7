import { DeepLensError, type ConfigRuleIssue } from '@deeplens/core';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

export interface ConfigIssue {
  /** Key path, e.g. `trainer.eval_steps`. */
  path: string;
  message: string;
  hint?: string;
}

/** All problems of a configuration at once, each naming its key path. */
export class ConfigValidationError extends DeepLensError {
  constructor(readonly source: string, readonly issues: readonly ConfigIssue[]) {
    super(
      'DEEPLENS_INVALID_CONFIG',
      `${source}: ${issues.length} configuration problem${issues.length === 1 ? '' : 's'}:\n${issues
        .map((i) => `  - ${i.path || '(root)'}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`)
        .join('\n')}`,
    );
  }
}

/** zod issues → ConfigIssues, with "did you mean" for unknown keys. */
export function toConfigIssues(error: z.ZodError, knownKeys: (path: readonly PropertyKey[]) => readonly string[], prefix = ''): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const known = knownKeys(issue.path);
        const guess = didYouMean(key, known);
        out.push({
          path: base ? `${base}.${key}` : key,
          message: 'unknown key',
          hint: guess ? `did you mean '${guess}'?` : `known keys: ${known.join(', ')}`,
        });
      }
    } else {
      const hint = (issue as { params?: { hint?: string } }).params?.hint;
      out.push(hint ? { path: base, message: issue.message, hint } : { path: base, message: issue.message });
    }
  }
  return out;
}

/** A rule function's issue (core's or the trainer's) as a config issue under a key prefix. */
export function toIssue(prefix: string): (i: ConfigRuleIssue) => ConfigIssue {
  return (i) => ({ path: prefix ? `${prefix}.${i.key}` : i.key, message: i.message, ...(i.hint ? { hint: i.hint } : {}) });
}

/** Rule issues not already reported (by path) among the schema's own: a mistake is named once. */
export function mergeIssues(schema: readonly ConfigIssue[], rules: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set(schema.map((i) => i.path));
  return [...schema, ...rules.filter((i) => !seen.has(i.path))];
}
