import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'docs/**', '.bench-out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core must run (and be tested) without Electron: only the shell under electron/main and
    // electron/preload may import it.
    files: ['electron/core/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The core and renderer never import electron; use the shell (electron/main).' }],
          patterns: [{ group: ['electron/*'], message: 'The core and renderer never import electron.' }],
        },
      ],
    },
  },
);
