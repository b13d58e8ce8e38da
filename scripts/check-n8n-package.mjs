/**
 * Runs n8n's own verification checks on this package, offline:
 *  1. `@n8n/scan-community-package`'s ESLint scan (its `analyzePackage`, the config n8n runs for
 *     verification, inline eslint-disable comments ignored) over the packed tarball — what npm would
 *     publish — and over the sources the scanner fetches from GitHub (package.json, nodes/, credentials/);
 *  2. what n8n's loader needs from each file in the tarball: a class named as the file, a codex file,
 *     icons inside the package.
 * The scanner's other half (npm provenance, fetching the attested GitHub commit) needs the public
 * registry and GitHub; run `npx @n8n/scan-community-package n8n-nodes-devicehook` after publishing.
 * Needs a build first (npm run build). Exits 1 on any finding.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import('@n8n/scan-community-package/scanner/scanner.mjs');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-n8n-pack-'));
const packOutput = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const tarball = path.join(work, JSON.parse(packOutput)[0].filename);
execFileSync('tar', ['-xzf', tarball, '-C', work]);
const packageDir = path.join(work, 'package');

const problems = [];
const tarballScan = await analyzePackage(packageDir);
if (!tarballScan.passed) problems.push(`scan of the packed tarball: ${tarballScan.message}\n${tarballScan.details ?? ''}`);
const sourceScan = await analyzePackage(root, SOURCE_FILE_PATTERNS);
if (!sourceScan.passed) problems.push(`scan of the sources: ${sourceScan.message}\n${sourceScan.details ?? ''}`);

const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
if (Object.keys(manifest.dependencies ?? {}).length > 0) problems.push('package.json has runtime dependencies');
if (JSON.stringify(manifest.peerDependencies) !== JSON.stringify({ 'n8n-workflow': '*' })) problems.push('the only peer dependency must be n8n-workflow "*"');

// n8n-workflow comes from n8n at run time; here from our devDependencies.
const requireFromRoot = createRequire(path.join(root, 'package.json'));
const Module = requireFromRoot('node:module');
const originalResolve = Module._resolveFilename;
const workflowPath = requireFromRoot.resolve('n8n-workflow');
Module._resolveFilename = function (request, ...rest) {
  if (request === 'n8n-workflow') return workflowPath;
  return originalResolve.call(this, request, ...rest);
};
const loaded = [];
for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
  const full = path.join(packageDir, file);
  if (!fs.existsSync(full)) {
    problems.push(`${file} is listed in package.json but not in the tarball`);
    continue;
  }
  const className = path.basename(file).split('.')[0];
  const exported = requireFromRoot(full)[className];
  if (typeof exported !== 'function') {
    problems.push(`${file} does not export a class named ${className} (n8n: "Class could not be found")`);
    continue;
  }
  const instance = new exported();
  const icon = instance.description?.icon ?? instance.icon;
  for (const iconPath of typeof icon === 'string' ? [icon] : Object.values(icon ?? {})) {
    const iconFile = path.resolve(path.dirname(full), String(iconPath).replace(/^file:/, ''));
    if (!iconFile.startsWith(packageDir) || !fs.existsSync(iconFile)) problems.push(`${file}: icon ${iconPath} is missing from the tarball`);
  }
  if (file.endsWith('.node.js') && !fs.existsSync(`${full}on`)) problems.push(`${file}: codex ${path.basename(file)}on is missing`);
  loaded.push(className);
}
Module._resolveFilename = originalResolve;
fs.rmSync(work, { recursive: true, force: true });

if (problems.length > 0) {
  console.error(problems.join('\n\n'));
  process.exit(1);
}
console.log(`n8n package checks passed: scanner lint of ${manifest.name}@${manifest.version} tarball and sources; ${loaded.length} nodes and credentials load (${loaded.join(', ')}).`);
