/**
 * Python-flavoured YAML values as a DeepLens user writes them: `None` (any case) is null, and
 * numbers written as strings ('1e-3', "0.001") are numbers. DeepLens itself (PyYAML) loads `None`
 * and `1e-3` as strings; we read what the user meant.
 */
export function normalizeYamlValue(value: unknown): unknown {
  if (typeof value === 'string') {
    const t = value.trim();
    if (/^(none|null|~)$/i.test(t)) return null;
    if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
    return value;
  }
  if (Array.isArray(value)) return value.map(normalizeYamlValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeYamlValue(v)]));
  }
  return value;
}
