import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import layers from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'test-output/', 'coverage/', 'assets/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    // Tests sit beside the code but may drive it from above (a CLI test of the sandbox command).
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    plugins: { layers },
    rules: { 'layers/direction': 'error', 'layers/no-circle': 'error' },
  },
  {
    // The ledger is reached through the store's repositories only: no database handle, driver or
    // query builder outside src/store/, so a second database needs nothing changed above it.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/store/**', '**/*.test.ts', '**/*.test.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        ...['kysely', 'better-sqlite3', 'pg'].map((name) => ({
          name,
          message: `${name} is the store's: read and write the ledger through src/store/ (its repositories).`,
        })),
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='db']",
          message:
            "The store's database handle (.db) is the store's own: add a repository to src/store/ instead.",
        },
      ],
    },
  },
);
