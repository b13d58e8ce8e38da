/**
 * `npm run pack`: builds the three packages and writes the tarballs a user installs, named
 * `<name without @, / as ->-<version>.tgz` after each package.json:
 *   release/devicehook-core-0.1.0.tgz        @devicehook/core (library + `devicehook` CLI)
 *   release/devicehook-node-red-0.1.0.tgz    @devicehook/node-red, installable alone (palette manager)
 *   release/n8n-nodes-devicehook-0.1.0.tgz   n8n-nodes-devicehook (for ~/.n8n/nodes)
 *
 * Each package is first packed by npm from its folder, so its `files` list decides what is in it (a file
 * left out there is left out of the release, and test/core/tarball-contents.test.ts notices). The result
 * is unpacked into a staging folder, where:
 *  - package.json becomes the published one (scripts/clean-manifest.mjs: no scripts, devDependencies,
 *    workspaces; the n8n package has no runtime dependencies);
 *  - the repository's LICENSE is added where the package folder has none;
 *  - the Node-RED package gets @devicehook/core (as its own tarball has it) and zod under node_modules/,
 *    listed in `bundleDependencies`. @devicehook/core is not on npm, and the palette manager installs one
 *    tarball with `npm install <tarball>`: bundled, nothing is fetched, and the nodes keep requiring
 *    '@devicehook/core' exactly as they will once it is published (no second build of the core into the
 *    node files, which would put one copy of core and zod into each of the four nodes);
 * and npm packs the staging folder again into the output folder.
 *
 * Options: --out <dir> (default release/), --no-build (use the existing dist/ folders; the tests pack
 * this way after `npm test`'s build). Prints the tarballs' paths, one a line; --json prints
 * [{ name, version, file, files: [paths] }].
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cleanManifest } from './clean-manifest.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The package folders, in packing order (the Node-RED package bundles the core's packed form). */
export const PACKAGES = [
  { key: 'core', dir: 'shared' },
  { key: 'node-red', dir: 'node-red' },
  { key: 'n8n', dir: '.' },
];

/** The file name npm pack gives a package: "@devicehook/node-red" 0.1.0 → devicehook-node-red-0.1.0.tgz. */
export function tarballName(manifest) {
  return `${manifest.name.replace(/^@/, '').replace(/\//g, '-')}-${manifest.version}.tgz`;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** npm pack <dir> → the tarball's path in `dest`. Scripts never run: the clean manifests have none anyway. */
function npmPack(dir, dest) {
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, dir], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm_* from an enclosing `npm run` would point this npm at the workspace (e.g. npm_config_workspace).
    env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key))),
  });
  const [info] = JSON.parse(out);
  return { file: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort() };
}

function unpack(tarball, into) {
  fs.mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1']);
}

/**
 * Packs the three packages into `out` (created if missing). Needs built dist/ folders.
 * @returns {{ key: string, name: string, version: string, file: string, files: string[] }[]}
 */
export function packAll(out) {
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-pack-'));
  try {
    const results = [];
    const staged = {};
    for (const { key, dir } of PACKAGES) {
      const pkgDir = path.join(root, dir);
      const manifest = readJson(path.join(pkgDir, 'package.json'));
      const rawDir = path.join(work, 'raw', key);
      fs.mkdirSync(rawDir, { recursive: true });
      const raw = npmPack(pkgDir, rawDir);
      const stage = path.join(work, 'stage', key);
      unpack(raw.file, stage);
      staged[key] = stage;

      if (!fs.readdirSync(stage).some((f) => /^licen[sc]e/i.test(f))) fs.copyFileSync(path.join(root, 'LICENSE'), path.join(stage, 'LICENSE'));
      if (!fs.readdirSync(stage).some((f) => /^readme/i.test(f))) throw new Error(`${manifest.name}: no README in ${dir}/ (npm includes README.md by itself; add one)`);

      let bundle = {};
      if (key === 'node-red') {
        // The core exactly as its own tarball has it, and the zod it depends on, as npm would lay them out.
        const core = readJson(path.join(staged.core, 'package.json'));
        const coreTarget = path.join(stage, 'node_modules', ...core.name.split('/'));
        fs.cpSync(staged.core, coreTarget, { recursive: true });
        const zodDir = path.dirname(createRequire(path.join(root, 'shared', 'package.json')).resolve('zod/package.json'));
        const zod = readJson(path.join(zodDir, 'package.json'));
        if (zod.version !== core.dependencies?.zod) throw new Error(`zod ${zod.version} is installed but ${core.name} wants ${core.dependencies?.zod}`);
        fs.cpSync(zodDir, path.join(stage, 'node_modules', 'zod'), { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules${path.sep}`, zodDir.length) });
        bundle = { [core.name]: core.version, zod: zod.version };
      }
      fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(cleanManifest(readJson(path.join(stage, 'package.json')), { bundle }), null, 2)}\n`);

      const finalDir = path.join(work, 'final');
      fs.mkdirSync(finalDir, { recursive: true });
      const packed = npmPack(stage, finalDir);
      const target = path.join(out, tarballName(manifest));
      if (path.basename(packed.file) !== path.basename(target)) throw new Error(`npm named ${manifest.name}'s tarball ${path.basename(packed.file)}, expected ${path.basename(target)}`);
      fs.copyFileSync(packed.file, target);
      results.push({ key, name: manifest.name, version: manifest.version, file: target, files: packed.files });
    }
    return results;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(root, 'release'));
  if (!args.includes('--no-build')) execFileSync(npm, ['run', 'build'], { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
  const results = packAll(out);
  if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
  else for (const r of results) console.log(path.relative(process.cwd(), r.file) || r.file);
}
