// Lint rules. The one that matters most: workflow code (src/workflows) may import nothing that does I/O,
// so the Temporal sandbox stays deterministic. Transitive imports are also caught by the bundle check.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'net', 'http', 'https', 'child_process', 'stream', 'zlib', 'timers'];

export default tseslint.config(
  { ignores: ['node_modules/', '.services/', 'dist/', 'bin/', 'pending-tests/'] },
  {
    // Plain Node scripts (service setup): Node's globals.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly' } },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      // The TypeScript rule, so that `import type` of activities (erased at compile time) stays allowed.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]),
            'mongodb',
            'pino',
            'zstd-napi',
            'prom-client',
          ],
          patterns: [
            { group: ['@aws-sdk/*'], message: 'no I/O in workflow code' },
            {
              group: ['../*/**', '!../contracts/**', '!../errors/failure-types.js'],
              message: 'workflows may import only src/contracts and src/errors/failure-types',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
