import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The dependency direction of src/ (docs/architecture.md), lowest first: a folder may import its
 * own rank and below, never above. `queue` (Redis, BullMQ) is beside the stages: only the
 * composition root (roles) and the CLI import it, and only queue/ and roles/ import ioredis or
 * bullmq. ESLint's own no-restricted-imports, one block per folder: no extra tool, and `npm run
 * lint` (part of `npm test`) fails on an up-arrow (test/unit/lint/boundaries.test.ts shows it).
 */
export const layers = {
  contracts: 0, common: 0, config: 0, errors: 0, metrics: 0,
  engine: 1, store: 1, queue: 1,
  vision: 2, ingest: 2,
  track: 3, identify: 3, evaluation: 3, training: 3,
  notify: 4, api: 4, ops: 4, frigate: 4,
  roles: 5,
  cli: 6,
};
const queueUsers = new Set(['queue', 'roles', 'cli']);
const boundaries = Object.entries(layers).map(([folder, rank]) => {
  const banned = Object.entries(layers)
    .filter(([other, r]) => other !== folder && (r > rank || (other === 'queue' && !queueUsers.has(folder))))
    .map(([other]) => other);
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        paths: queueUsers.has(folder) && folder !== 'cli' ? [] : ['ioredis', 'bullmq'].map((name) => ({ name, message: 'Redis and BullMQ belong to src/queue (wired in src/roles): take a port instead.' })),
        patterns: banned.map((other) => ({
          group: ['../', '../../', '../../../'].map((up) => `${up}${other}/*`),
          message: `src/${folder} (rank ${rank}) may not import src/${other} (rank ${layers[other]}${other === 'queue' ? ', only roles and cli' : ''}): see the dependency direction in eslint.config.js and docs/architecture.md.`,
        })),
      }],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', '.cache/', '.scratch/', '.device/', 'test-artifacts/', 'web/vendor/'] },
  js.configs.recommended,
  // the dashboard's plain browser modules (web/)
  { files: ['web/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  ...tseslint.configs.recommended,
  {
    ignores: ['web/**'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // a promise nobody awaits loses its rejection (and an un-awaited `expect(...).rejects` cannot fail a test)
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
  ...boundaries,
  // CommonJS helpers of the GPU check bundle
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
