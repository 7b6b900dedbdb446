import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * ESLint's and typescript-eslint's recommended rules everywhere, plus the type-aware rules that catch
 * real bugs in a codebase this asynchronous: a promise nobody awaits or catches, a promise where a
 * callback's return is ignored (an event handler, a `forEach`), `await` on something that is not a
 * promise. Formatting is Prettier's job, not ESLint's.
 */
export default defineConfig(
  { ignores: ['node_modules/', 'client/dist/', 'client/src/gql/', 'test-output/', 'tests/.artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `_name` marks what is unused on purpose (a destructured field left out, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  { files: ['client/src/**'], languageOptions: { globals: globals.browser } },
  {
    files: ['src/**', 'tests/**', 'bench/**', 'scripts/**', '*.ts', '*.js', 'client/vite.config.ts'],
    languageOptions: { globals: globals.node },
  },
);
