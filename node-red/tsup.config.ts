import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One CommonJS file per node (Node-RED loads <name>.js and the <name>.html beside it), with the core
// left as a dependency. The editor files, message catalogues and help are copied next to them.
export default defineConfig({
  entry: Object.fromEntries(
    ['nodes', 'plugins'].flatMap((dir) =>
      readdirSync(`src/${dir}`)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => [`${dir}/${f.replace(/\.ts$/, '')}`, `src/${dir}/${f}`]),
    ),
  ),
  format: ['cjs'],
  target: 'node20',
  external: ['@devicehook/core', '@devicehook/core/node'],
  clean: true,
  onSuccess: async () => {
    mkdirSync('dist/nodes', { recursive: true });
    for (const f of readdirSync('src/nodes').filter((name) => name.endsWith('.html'))) cpSync(`src/nodes/${f}`, `dist/nodes/${f}`);
    cpSync('src/locales', 'dist/nodes/locales', { recursive: true });
    mkdirSync('dist/plugins', { recursive: true });
    for (const f of readdirSync('src/plugins').filter((name) => name.endsWith('.html'))) cpSync(`src/plugins/${f}`, `dist/plugins/${f}`);
  },
});
