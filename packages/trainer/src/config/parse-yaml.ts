import yaml from 'js-yaml';
import { ConfigValidationError } from './config-issues.js';
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
