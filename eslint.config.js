import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'
import globals from 'globals'

// neostandard is what Fastify's own projects lint with; Prettier owns the layout (noStyle).
export default [
  ...neostandard({ ts: true, noStyle: true, ignores: resolveIgnoresFromGitignore() }),
  {
    rules: {
      // `void promise` marks a promise deliberately left to run on its own (its errors are handled).
      'no-void': ['error', { allowAsStatement: true }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // TypeBox declares a schema and its type under one name; the compiler reports real redeclarations.
      '@typescript-eslint/no-redeclare': 'off',
    },
  },
  {
    // The pages' scripts run in the browser, served as they are.
    files: ['public/**/*.js'],
    languageOptions: { globals: { ...globals.browser, echarts: 'readonly' }, sourceType: 'script' },
  },
  {
    // The widget is embedded in hospitals' own pages, old phone browsers included: ES5 on purpose.
    files: ['public/widget.js'],
    rules: { 'no-var': 'off', 'object-shorthand': 'off' },
  },
]
