import { defineConfig } from 'vitest/config';

// The hardening suite (npm run test:hardening): bad inputs, load and faults against the core and real
// runtimes (Node-RED 4/5, n8n), plus the core's bad-input matrix and the CI-sized fuzz run, so that one
// command regenerates every results file under test/hardening/results/ that scripts/hardening-report.mjs
// turns into the README table. Real runtimes and slow-loris uploads: one file at a time, long timeouts.
export default defineConfig({
  test: {
    include: ['test/hardening/**/*.test.ts', 'test/core/bad-inputs.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
