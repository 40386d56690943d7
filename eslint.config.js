import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries follow the dependency direction in the design card:
 * core <- backends, trainer, loggers; everything <- cli (the composition root).
 */
export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:backend', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:trainer', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:extract', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:report', onlyDependOnLibsWithTags: ['layer:core', 'layer:extract'] },
            { sourceTag: 'layer:extract-tfjs', onlyDependOnLibsWithTags: ['layer:core', 'layer:extract', 'layer:backend'] },
            { sourceTag: 'layer:storage', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:queue', onlyDependOnLibsWithTags: ['layer:core'] },
            { sourceTag: 'layer:logger', onlyDependOnLibsWithTags: ['layer:core', 'layer:trainer'] },
            {
              sourceTag: 'layer:app',
              onlyDependOnLibsWithTags: ['layer:core', 'layer:backend', 'layer:trainer', 'layer:logger', 'layer:extract', 'layer:report', 'layer:extract-tfjs', 'layer:storage', 'layer:queue'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'List public exports explicitly; no `export *`.' },
      ],
    },
  },
  {
    // Examples are written as user code: they import the package by its public name.
    files: ['packages/*/examples/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
);
