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
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The domain is pure: deciding and evolving know nothing of Nest, SQL, Kafka or HTTP.
    files: ['libs/end-users/**/*.ts', 'libs/budgets/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: FRAMEWORKS.map((group) => ({ group: [group], message: 'The domain libs import no framework or infrastructure.' })) },
      ],
    },
  },
);
