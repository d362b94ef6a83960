// ESLint flat config: `npm run lint` (also run by .ci/run before the tests).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import html from 'eslint-plugin-html';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['build/', 'dist/', 'node_modules/', 'test-artefacts/', '.navien-sim/', '.node-red-dev/'] },

  // TypeScript: src, test, tools, bench and scripts, type-aware through tsconfig.test.json (which includes them all).
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The point of the linter here: every promise is awaited, handled, or explicitly voided.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `import x = require(...)` is how TypeScript imports the nodes' `export =` modules.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      // `const { dropped: _dropped, ...rest } = o` is how the code leaves a property out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // `let timer; const stop = () => clearTimeout(timer); timer = setTimeout(stop)`: closures that read it first.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Passing on a caught error (typed unknown) to reject() is as right as rethrowing it.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Node-RED node constructors keep `const node = this` for their handlers, as Node-RED's own nodes do.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['node'] }],
      // Async functions without await implement Promise-returning interfaces (stubs, locate()); throws become rejections.
      '@typescript-eslint/require-await': 'off',
      // Callback interfaces (options, deps) use method syntax and are filled with closures; no finding was a real `this` bug.
      '@typescript-eslint/unbound-method': 'off',
      // String(value) is the deliberate last resort in the error texts for input that JSON.stringify refuses.
      '@typescript-eslint/no-base-to-string': 'off',
      // `'residential' | 'commercial' | string` documents the known values of an open set.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },

  // Tests poke at untyped Node-RED helper nodes and free-form JSON messages: `any` there is the tool, not a leak.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Plain Node scripts (CommonJS) and this config file: no type information.
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },

  // Editor scripts: the <script type="text/javascript"> blocks of src/nodes/*.html run in the browser (ES5 style).
  {
    files: ['src/nodes/*.html'],
    plugins: { html },
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly' },
    },
    rules: {
      // ES5 style: `catch (e)` without using e (no optional catch binding).
      'no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
  // The editor script they share (resources/, served by Node-RED to the browser): NavienEditor is its own global.
  {
    files: ['resources/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, RED: 'readonly', $: 'readonly' },
    },
    rules: {
      'no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
  { files: ['src/nodes/*.html'], languageOptions: { globals: { NavienEditor: 'readonly' } } },
);
