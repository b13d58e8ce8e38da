import { defineConfig } from 'tsup';

// CommonJS for Node 20+: what n8n's loader and Node-RED's `require` expect.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['cjs'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
});
