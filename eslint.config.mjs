// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import picomatch from 'picomatch';
import { readFileSync } from 'fs';
import { URL } from 'url';

/**
 * The layers of src/, top first (layers.json, ARCHITECTURE.md): each layer's files may import only
 * their own layer and the layers below it; VS Code only in the layers marked `vscode`; a file of
 * `onlyImportedBy` only from the files named there. This rule sees static imports and re-exports;
 * test/unit/layers.test.ts checks the same table on dynamic `import()` too.
 */
const { layers: LAYERS, onlyImportedBy: ONLY_IMPORTED_BY } = JSON.parse(
  readFileSync(new URL('./layers.json', import.meta.url), 'utf8'),
);

// What an import of a src glob looks like: `src/core/**` -> `**/core/**`, `src/extension.ts` -> `**/extension`.
const importPattern = (glob) => `**/${glob.replace(/^src\//, '').replace(/\.ts$/, '')}`;

/** Index of the layer a src file belongs to. */
const layerOf = (file) => LAYERS.findIndex((layer) => picomatch(layer.files)(file));

/** The private files that layer `i` could reach otherwise (the layers below theirs refuse them anyway). */
const privateFiles = (i) => Object.keys(ONLY_IMPORTED_BY).filter((file) => layerOf(file) >= i);

/** The no-restricted-imports options of layer `i`, refusing the private files given. */
function layerRule(i, refusedPrivateFiles) {
  const layer = LAYERS[i];
  const above = LAYERS.slice(0, i).flatMap((l) => l.files.map(importPattern));
  const patterns = [
    ...(above.length
      ? [{ group: above, message: `src/${layer.name} imports only layers below it (ARCHITECTURE.md)` }]
      : []),
    ...refusedPrivateFiles.map((file) => ({
      group: [importPattern(file)],
      message: `Only ${ONLY_IMPORTED_BY[file].join(' and ')} import ${file} (ARCHITECTURE.md)`,
    })),
  ];
  const paths = layer.vscode
    ? []
    : [{ name: 'vscode', message: `src/${layer.name} and the layers below it run without VS Code (ARCHITECTURE.md)` }];
  return ['error', { paths, patterns }];
}

/**
 * One config object per layer, and after it one for the layer's files that may import a private file:
 * the same rule without that file (`files: [[a, b]]` matches what both a and b match). A later object
 * replaces a rule's options, so each src file gets its own layer's rule, or that exception.
 */
const LAYER_CONFIGS = LAYERS.flatMap((layer, i) => {
  const refused = privateFiles(i);
  const allowing = (file) => refused.filter((f) => f !== file);
  return [
    { files: layer.files, rules: { 'no-restricted-imports': layerRule(i, refused) } },
    ...refused.map((file) => ({
      files: layer.files.flatMap((glob) => ONLY_IMPORTED_BY[file].map((importer) => [glob, importer])),
      rules: { 'no-restricted-imports': layerRule(i, allowing(file)) },
    })),
  ];
});

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
  ...LAYER_CONFIGS,
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
