/**
 * The release tarballs for the end-to-end suites: `scripts/pack.mjs` (what `npm run pack` runs) packs the
 * built dist/ folders into a temporary folder once per test process, removed when the process exits. The
 * suites install these, never the workspace folders.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ES module script without type declarations
import { packAll } from '../../scripts/pack.mjs';

export interface ReleaseTarballs {
  /** @devicehook/core */
  core: string;
  /** @devicehook/node-red (bundles the core and zod) */
  nodeRed: string;
  /** n8n-nodes-devicehook */
  n8n: string;
}

let packed: ReleaseTarballs | undefined;

/** Packs once per process (about 10 s). Needs `npm run build` first (`npm run test:e2e` builds). */
export function releaseTarballs(): ReleaseTarballs {
  if (packed) return packed;
  // Resolved here, not at load: bench/n8n.mjs bundles the harness into a temporary file, where this
  // module's location is not the repository's (it passes its own package instead).
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (const built of ['shared/dist/index.js', 'node-red/dist/nodes/devicehook-in.js', 'dist/nodes/shared/core.js']) {
    if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-release-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const results = packAll(dir) as Array<{ key: string; file: string }>;
  const file = (key: string) => results.find((r) => r.key === key)!.file;
  packed = { core: file('core'), nodeRed: file('node-red'), n8n: file('n8n') };
  return packed;
}
