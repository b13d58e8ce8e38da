import { defineConfig } from 'vitest/config';

// Real runtimes (Node-RED 4 on Node 20, Node-RED 5 on Node 24, a browser): slow, run one file at a time.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
