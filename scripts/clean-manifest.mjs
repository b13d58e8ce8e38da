#!/usr/bin/env node
/**
 * The package.json a user's npm receives: the repository's manifest without what only the repository needs.
 * `npm install <tarball>` reads `scripts` (lifecycle scripts run on the user's machine), and `workspaces`,
 * `devDependencies`, `overrides` and `packageManager` describe this repository, not the package: a user's
 * npm or corepack can trip on them and n8n's community-package scanner flags them.
 *
 *   import { cleanManifest } from './clean-manifest.mjs';
 *   const published = cleanManifest(JSON.parse(readFileSync('package.json', 'utf8')));
 *
 *   node scripts/clean-manifest.mjs package.json   # prints the cleaned manifest
 *
 * Pure: returns a new object, keeps the order of the remaining keys, never changes its argument.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Top-level keys that describe the repository rather than the published package. */
export const REPOSITORY_ONLY_KEYS = Object.freeze(['workspaces', 'scripts', 'devDependencies', 'overrides', 'packageManager']);

/**
 * @param {Record<string, unknown>} manifest a parsed package.json
 * @returns {Record<string, unknown>} the manifest to publish: a deep copy without REPOSITORY_ONLY_KEYS and
 *   without comment keys (those starting with "//")
 */
export function cleanManifest(manifest) {
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new TypeError('cleanManifest expects a parsed package.json object');
  }
  // fromEntries defines own properties, so even a key named "__proto__" stays data.
  return Object.fromEntries(
    Object.entries(manifest)
      .filter(([key]) => !REPOSITORY_ONLY_KEYS.includes(key) && !key.startsWith('//'))
      .map(([key, value]) => [key, structuredClone(value)]),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/clean-manifest.mjs path/to/package.json');
    process.exit(2);
  }
  console.log(JSON.stringify(cleanManifest(JSON.parse(readFileSync(file, 'utf8'))), null, 2));
}
