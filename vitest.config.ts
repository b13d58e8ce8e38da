import { defineConfig } from 'vitest/config';

// The default run (npm test): unit, property, differential and local-HTTP tests, a few seconds.
// The real-runtime suites under test/e2e have their own config and script (npm run test:e2e).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', '**/node_modules/**'],
    testTimeout: 30_000,
  },
});
