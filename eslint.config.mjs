// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layers below the UI must not reach VS Code or the DOM (see ARCHITECTURE.md). */
const ENGINE_LAYERS = [
  'src/editing/**',
  'src/docComments/**',
  'src/core/**',
  'src/files/**',
  'src/tokenizer/**',
  'src/parsing/**',
  'src/retrieval/**',
  'src/modelFolder/**',
  'src/mining/**',
  'src/training/**',
  'src/worker/**',
  'src/cli/**',
  'src/protocol/**',
];

const NAMED_EXPORTS = { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' };

/** Settings are read in one place, with package.json's defaults (src/host/settingDefaults.ts). */
const SETTINGS_THROUGH_ONE_READER = {
  selector: "CallExpression[callee.property.name='getConfiguration']",
  message: 'Read and write settings through src/host/settings.ts.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'test/fixtures/**',
      'node_modules/**',
      '.cache/**',
      'media/**',
      'test-results/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-syntax': ['error', NAMED_EXPORTS],
    },
  },
  {
    // A config object replaces the rule's selectors, so the ones above are repeated.
    files: ['src/**/*.ts'],
    ignores: ['src/host/settings.ts'],
    rules: { 'no-restricted-syntax': ['error', NAMED_EXPORTS, SETTINGS_THROUGH_ONE_READER] },
  },
  {
    files: ENGINE_LAYERS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'The engine layers (ENGINE_LAYERS) run without VS Code.' }],
          patterns: [
            {
              group: ['**/host/**', '**/commands/**', '**/webviews/**', '**/extension'],
              message: 'Imports point downwards only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
