// Lint configuration (typescript-eslint, type-aware). Formatting is prettier's job (.prettierrc.json);
// this config only carries rules that find bugs or dead code. `npm run lint` runs both checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'scripts/experiments/**',
      'dist/**',
      'node_modules/**',
      '.cache/**',
      '.testhost/**',
      'test-results/**',
      'media/**',
      'schemas/**',
      '**/*.js',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // bug finders
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // TypeScript itself resolves names; partial switches with a fall-through are intended here
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'smart'],
      'no-constant-condition': ['error', { checkLoops: false }],
      // untyped boundaries (JSON, worker messages, YAML trees) are validated by ajv or by hand;
      // these rules would only demand casts there
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      'no-control-regex': 'off',
      // an async function without await is how a Subcommand or an LSP handler that needs none is written
      '@typescript-eslint/require-await': 'off',
      // String(x) of unknown input in messages is deliberate
      '@typescript-eslint/no-base-to-string': 'off',
      // its type view differs from tsc's on a few narrowings (it removed casts tsc needs)
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // tests print values of any type in messages and pass methods around as data
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.mts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
