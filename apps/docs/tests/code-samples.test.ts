import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng, SyntheticFeatures } from '@deeplens/core';
import { writeNpy } from '@deeplens/core/node';
import { describe, expect, it } from 'vitest';
import { codeSamples } from './code-samples.js';
import { DOCS_ROOT } from './preview-server.js';

const SAMPLES = join(DOCS_ROOT, '.samples');
const require = createRequire(join(DOCS_ROOT, 'package.json'));
const samples = codeSamples(join(DOCS_ROOT, 'pages'));

/** What a sample's working directory needs: the files its text names. */
const SETUP: Record<string, (cwd: string) => Promise<void>> = {
  // getting-started: config.yaml and saved_features/features_layer_3_100000.pt (activations are
  // recognised by content, so a small .npy under that name stands in for the tutorial's file).
  'getting-started.md': async (cwd) => {
    writeFileSync(join(cwd, 'config.yaml'), 'input_dims: 16\nn_features: 64\nactivation: relu\ninput_norm: False\nk: 4\nbeta_l1: None\ntie_weights: False\nunit_norm_decoder: True\n');
    mkdirSync(join(cwd, 'saved_features'));
    const rows = new SyntheticFeatures({ dim: 16, nFeatures: 32, meanActive: 3, seed: 1 }).sample(600, new Rng(2));
    await writeNpy(join(cwd, 'saved_features/features_layer_3_100000.pt'), rows, [600, 16]);
  },
};

describe('the guide\'s code samples', () => {
  it('are found: every ts fence is checked, run or marked as an excerpt', () => {
    expect(samples.length).toBeGreaterThanOrEqual(7);
    expect(samples.filter((s) => s.run).map((s) => s.where)).toEqual(expect.arrayContaining(['getting-started.md:50', 'loggers.md:41', 'write-a-backend.md:104']));
  });

  it('type-check against the packages\' real types (tsc, strict)', () => {
    rmSync(SAMPLES, { recursive: true, force: true });
    mkdirSync(SAMPLES, { recursive: true });
    for (const s of samples.filter((x) => !x.excerpt)) writeFileSync(join(SAMPLES, s.file), s.code);
    writeFileSync(join(SAMPLES, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { noUnusedLocals: false }, include: ['*.ts'] }));
    const tsc = require.resolve('typescript/bin/tsc');
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(SAMPLES, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      out = (error as { stdout: string }).stdout;
    }
    // Name the page and line of each error, not the generated file's.
    expect(out.replace(/^(\S+?)-L(\d+)(?:\.test)?\.ts\((\d+),\d+\)/gm, (_m, page: string, line: string, at: string) => `${page}.md:${Number(line) + Number(at)}`)).toBe('');
  }, 240_000);

  for (const s of samples.filter((x) => x.run)) {
    it(`${s.where} runs${s.isTest ? ' (as a vitest file)' : ''}`, async () => {
      mkdirSync(SAMPLES, { recursive: true });
      writeFileSync(join(SAMPLES, s.file), s.code);
      const cwd = mkdtempSync(join(tmpdir(), 'deeplens-sample-'));
      try {
        await SETUP[s.where.split(':')[0]!]?.(cwd);
        let out: string;
        if (s.isTest) {
          writeFileSync(join(SAMPLES, 'vitest.config.ts'), "import { defineProject, mergeConfig } from 'vitest/config';\nimport { sharedTestConfig } from '../../../vitest.shared.js';\nexport default mergeConfig(sharedTestConfig, defineProject({ test: { name: 'samples', include: ['*.test.ts'] } }));\n");
          out = execFileSync(process.execPath, [join(DOCS_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', SAMPLES, s.file], { encoding: 'utf8', cwd: SAMPLES });
           
          expect(out.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+\d+ passed \(\d+\)/);
        } else {
          const tsx = pathToFileURL(require.resolve('tsx')).href;
          out = execFileSync(process.execPath, ['--conditions=@deeplens/source', '--import', tsx, join(SAMPLES, s.file)], { encoding: 'utf8', cwd });
        }
        expect(out.length).toBeGreaterThan(0);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 300_000);
  }
});
