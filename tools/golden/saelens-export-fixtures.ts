/**
 * Writes packages/cli/fixtures/saelens-export/<case>/: our SAELens export of each fixture model
 * (sae_weights.safetensors, cfg.json) and the raw input rows x.npy. Then
 * `/usr/bin/python3 tools/golden/saelens_forward.py` runs SAELens's forward on those files (in
 * torch, float64) and writes expected_x_hat.npy, which the cli test compares with our own
 * reconstruction. Run: pnpm tsx --conditions=@deeplens/source tools/golden/saelens-export-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSafetensors, type SafetensorsInput } from '@deeplens/core';
import { writeNpy } from '@deeplens/core/node';
import { toSaeLens } from '../../packages/cli/src/saelens-export.js';
import { FIXTURE_DIMS, SAELENS_FIXTURE_CASES, saeLensFixtureModel } from '../../packages/cli/src/saelens-fixture-models.test-helper.js';

const root = fileURLToPath(new URL('../../packages/cli/fixtures/saelens-export/', import.meta.url));
for (const name of Object.keys(SAELENS_FIXTURE_CASES)) {
  const { sae, normStats, raw } = saeLensFixtureModel(name);
  const params = new Map([...(await sae.toArrays())].map(([n, a]) => [n, a.data]));
  const { tensors, cfg } = toSaeLens({ modelPath: name, file: { config: sae.config, params, metadata: {}, normStats, recordsNorm: true, run: undefined }, normStats, runConfig: undefined });
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sae_weights.safetensors'), Buffer.concat(encodeSafetensors(tensors as Map<string, SafetensorsInput>)));
  writeFileSync(join(dir, 'cfg.json'), `${JSON.stringify(cfg, null, 2)}\n`);
  await writeNpy(join(dir, 'x.npy'), raw, [FIXTURE_DIMS.rows, FIXTURE_DIMS.d]);
  console.log(`wrote ${dir}`);
}
