import { defineConfig } from 'tsup';

// CommonJS for Node 20+: what n8n's loader and Node-RED's `require` expect.
// `index` is the pure core n8n may bundle; `node/index` and `cli` hold sockets and timers.
export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', cli: 'src/cli.ts' },
  format: ['cjs'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' } },
  sourcemap: true,
  clean: true,
});
