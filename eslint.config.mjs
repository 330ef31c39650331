// @ts-check
// Syntax-only typescript-eslint (no type information): the whole tree lints in seconds on two cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.greenlight/**', 'packages/*/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are deliberate (unused callback parameters), and `{ secret: _s, ...view }` is how we drop fields.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // E2E specs read untyped JSON answers of the real API; typing every body would restate the OpenAPI document.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { __dirname: 'readonly', process: 'readonly', console: 'readonly' },
    },
    rules: {
      // Jest and dependency-cruiser configs and the test runner wrapper are plain CommonJS files that Node loads as they are.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
