import { defineConfig } from 'vitest/config';

// The default run (npm test): unit, property, differential and local-HTTP tests, a few seconds.
// The real-runtime suites under test/e2e and test/hardening have their own configs and scripts
// (npm run test:e2e, npm run test:hardening).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/hardening/**', '**/node_modules/**'],
    testTimeout: 30_000,
  },
});
