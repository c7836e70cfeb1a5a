// Lint config: TypeScript rules everywhere, and a fence that keeps src/core pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'public', 'scripts/model/work'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-*', 'react/*'], message: 'src/core is pure: no React.' },
          { group: ['zustand', 'zustand/*', 'recharts', 'i18next', 'react-i18next'], message: 'src/core is pure: no UI or store libraries.' },
          { group: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-*', '@huggingface/*'], message: 'src/core is pure: no model runtime.' },
          { group: ['**/engine/**', '**/client/**', '**/store/**', '**/ui/**', '*worker*'], message: 'src/core imports nothing outside core/.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'src/core is pure: no DOM.' },
        { name: 'document', message: 'src/core is pure: no DOM.' },
        { name: 'self', message: 'src/core is pure: no worker globals.' },
        { name: 'postMessage', message: 'src/core is pure: no worker globals.' },
        { name: 'navigator', message: 'src/core is pure: no DOM.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Draws come from the seeded generator.' }],
    },
  },
);
