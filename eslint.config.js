// Flat config: TypeScript-aware recommended rules, React hooks rules for the UI, and the one-way layering of
// docs/style.md, "Layers" (ui → state → bridge → (types of) workers/protocol; workers → core; core → nothing).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';

const browserGlobals = {
  window: 'readonly',
  document: 'readonly',
  navigator: 'readonly',
  localStorage: 'readonly',
  console: 'readonly',
  URL: 'readonly',
  Blob: 'readonly',
  File: 'readonly',
  Worker: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  queueMicrotask: 'readonly',
};

const restrict = (patterns) => ['error', { patterns }];

/** core/ and protocol/ compile without the DOM and run in Node (the CLI) and in workers. */
const pureTs = {
  group: [
    'react',
    'react-dom',
    'react/*',
    'zustand',
    'zustand/*',
    'comlink',
    'onnxruntime-web',
    'onnxruntime-web/*',
  ],
  message: 'core/ and protocol/ are pure TS (docs/style.md, "Layers").',
};

export default defineConfig([
  {
    ignores: [
      'dist/**',
      'dist-cli/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'coverage/**',
      '.cache/**', // scripts/real-models.mts: fetched npm packages
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: browserGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'max-lines': ['warn', { max: 500, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/main.tsx'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        pureTs,
        {
          group: ['**/ui/**', '**/state/**', '**/bridge/**', '**/workers/**', '**/protocol/**'],
          message: 'core/ depends on nothing above it; it returns its own types (protocol/ re-exports them).',
        },
      ]),
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        pureTs,
        {
          group: ['**/ui/**', '**/state/**', '**/bridge/**', '**/workers/**'],
          message: 'protocol/ sits on core/ only.',
        },
      ]),
    },
  },
  {
    files: ['src/bridge/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['**/ui/**', '**/state/**', 'react', 'zustand', 'zustand/*'],
          message: 'bridge/ sits below state/ and ui/.',
        },
      ]),
    },
  },
  {
    files: ['src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['**/ui/**', 'react', 'react-dom', 'plotly.js', 'plotly.js/*'],
          message: 'state/ must not depend on the UI.',
        },
      ]),
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['**/bridge', '**/bridge/**', 'comlink'],
          message: 'The UI calls state actions, not the worker (docs/style.md, "State").',
        },
        {
          group: ['**/core/onnx/**', '**/core/quant/run*', '**/core/metrics/**'],
          message: 'Heavy work runs in the worker.',
        },
      ]),
    },
  },
  {
    files: [
      'e2e/**/*.ts',
      '*.config.{ts,js}',
      'bin/**/*.mjs',
      'scripts/**/*.{mjs,ts}',
      'src/cli/**/*.ts',
      'test/**/*.ts',
    ],
    languageOptions: { globals: { ...browserGlobals, process: 'readonly', Buffer: 'readonly' } },
  },
]);
