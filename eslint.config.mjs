// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const FRAMEWORKS = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'kafkajs',
  'express',
  'class-validator',
  'class-transformer',
  '@app/persistence',
  '@app/event-store',
  '@app/outbox',
  '@app/kafka',
  '@app/http',
];
const APPS = ['api', 'worker', 'cli'];

/**
 * The import boundaries, one `no-restricted-imports` rule per group of files (a later block's
 * rule would replace an earlier one's, not add to it, so each group gets all of its patterns here).
 */
const boundaries = {
  // The domain is pure: deciding and evolving know nothing of Nest, SQL, Kafka or HTTP.
  domain: FRAMEWORKS.map((group) => ({ group: [group], message: 'The domain libs import no framework or infrastructure.' })),
  // kafkajs is unmaintained: it stays behind libs/kafka so another client can replace it.
  kafka: [{ group: ['kafkajs', 'kafkajs/*'], message: 'Use @app/kafka: kafkajs stays behind libs/kafka.' }],
  // An app is deployed on its own: what two apps share lives in a lib.
  otherApps: (app) =>
    APPS.filter((other) => other !== app).map((other) => ({
      regex: `(^|/)apps/${other}(/|$)|^(\\.\\./)+${other}/src(/|$)`,
      message: `apps/${app} does not import apps/${other}: move what they share into a lib.`,
    })),
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.cache/', '.run/', 'scripts/kafka/*.js'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Type-aware rules: a promise nobody awaits loses its error, and one passed where a callback
    // returning void is expected (an Express handler, an event listener) is never awaited.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['libs/end-users/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...boundaries.domain] }] },
  },
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [...boundaries.kafka, ...boundaries.otherApps(app)] }] },
  })),
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/kafka/**', 'libs/end-users/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...boundaries.kafka] }] },
  },
  {
    // Tests and benchmarks reach the broker through their own Kafka vocabulary, a client of their
    // own on purpose: it checks what is on the wire independently of libs/kafka.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['test/support/kafka.ts', 'test/faults/harness/kafka.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['kafkajs', 'kafkajs/*'], message: "Use test/support/kafka.ts or the fault harness's kafka.ts." }] },
      ],
    },
  },
);
