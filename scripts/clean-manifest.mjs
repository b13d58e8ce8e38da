#!/usr/bin/env node
/**
 * The package.json a user's npm receives: the repository's manifest without what only the repository needs.
 * `npm install <tarball>` reads `scripts` (lifecycle scripts run on the user's machine), and `workspaces`,
 * `devDependencies`, `overrides`, `packageManager` and `private` describe this repository, not the package: a
 * user's npm or corepack can trip on them and n8n's community-package scanner flags them.
 *  - the n8n package (an `n8n` section) must have no runtime `dependencies` at all: n8n's rule for community
 *    nodes, which bundle what they use (n8n-workflow stays a peer: n8n provides it). One there is an error
 *    here rather than a silent drop, since the built code would then fail to load it;
 *  - `bundle`: names moved into `bundleDependencies` (and kept in `dependencies` at the version given), so
 *    npm installs them from the tarball and never asks the registry (the Node-RED package bundles the core).
 *
 *   import { cleanManifest } from './clean-manifest.mjs';
 *   const published = cleanManifest(JSON.parse(readFileSync('package.json', 'utf8')));
 *
 *   node scripts/clean-manifest.mjs package.json   # prints the cleaned manifest
 *
 * Pure: returns a new object (a deep copy), keeps the order of the remaining keys, never changes its argument.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Top-level keys that describe the repository rather than the published package. */
export const REPOSITORY_ONLY_KEYS = Object.freeze(['workspaces', 'scripts', 'devDependencies', 'overrides', 'packageManager', 'private']);

/**
 * @param {Record<string, unknown>} manifest a parsed package.json
 * @param {{ bundle?: Record<string, string> }} [options] name → version of the dependencies to bundle
 * @returns {Record<string, any>} the manifest to publish: a deep copy without REPOSITORY_ONLY_KEYS and
 *   without comment keys (those starting with "//")
 */
export function cleanManifest(manifest, options = {}) {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new TypeError('cleanManifest expects a parsed package.json object');
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays data.
  const published = Object.fromEntries(
    Object.entries(manifest)
      .filter(([key]) => !REPOSITORY_ONLY_KEYS.includes(key) && !key.startsWith('//'))
      .map(([key, value]) => [key, structuredClone(value)]),
  );
  const bundle = options.bundle ?? {};
  const n8n = published['n8n'];
  if (n8n && typeof n8n === 'object' && Array.isArray(n8n.nodes)) {
    const runtime = Object.keys({ ...published['dependencies'], ...published['optionalDependencies'], ...bundle });
    if (runtime.length > 0) throw new Error(`${published['name']}: an n8n community package has no runtime dependencies (bundle them), found ${runtime.join(', ')}`);
    return published;
  }
  if (Object.keys(bundle).length > 0) {
    published['dependencies'] = { ...(published['dependencies'] ?? {}), ...bundle };
    published['bundleDependencies'] = Object.keys(bundle).sort();
  }
  return published;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/clean-manifest.mjs path/to/package.json');
    process.exit(2);
  }
  console.log(JSON.stringify(cleanManifest(JSON.parse(readFileSync(file, 'utf8'))), null, 2));
}
