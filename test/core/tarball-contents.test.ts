/**
 * What users install: the three tarballs `npm run pack` writes (scripts/pack.mjs, packed here into a
 * temporary folder from the dist/ folders `npm test` just built), each compared with everything its
 * packaged code loads at run time:
 *  - the files package.json points at (`main`, `exports`, `bin`, `node-red.nodes`, `n8n.nodes`,
 *    `n8n.credentials`), LICENSE and README;
 *  - every module those entry points require, followed from the unpacked tarball in a separate Node with
 *    only the declared dependencies beside it (none for Node-RED, which bundles the core and zod);
 *  - Node-RED: the .html beside each node, the editor scripts those load (`resources/@devicehook/node-red/…`),
 *    the icons named by `icon:`, the message catalogues and help of every language, the examples;
 *  - n8n: the codex file beside each node, the icons named by each node and credential, the output
 *    schemas (`__schema__`).
 * A file that is needed but missing fails the test; so does a file nothing loads (noise in the package).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Packed {
  key: 'core' | 'node-red' | 'n8n';
  name: string;
  version: string;
  file: string;
  files: string[];
}

const root = path.join(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

let work: string;
let packed: Packed[];
const tarball = (key: Packed['key']) => packed.find((p) => p.key === key)!;

/**
 * Unpacks a tarball to <tmp>/<key>/node_modules/<name>, as npm would install it, with the given
 * dependencies beside it (symlinks to this repository's copies: what npm would fetch for them).
 */
function install(p: Packed, provided: string[]): string {
  const modules = path.join(work, p.key, 'node_modules');
  const dir = path.join(modules, ...p.name.split('/'));
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', p.file, '-C', dir, '--strip-components=1']);
  for (const dep of provided) {
    const link = path.join(modules, ...dep.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules', ...dep.split('/'))), link, 'dir');
  }
  return dir;
}

/** The node_modules folder a package was installed into. */
const modulesOf = (dir: string) => dir.slice(0, dir.lastIndexOf(`${path.sep}node_modules${path.sep}`) + `${path.sep}node_modules`.length);

interface Probe {
  /** Files of the package that were loaded, relative to it. */
  loaded: string[];
  /** "a.js requires b" where b is outside the package and not a provided dependency. */
  escapes: string[];
  errors: string[];
  /** n8n: per entry file, the icon(s) its node or credential names, and the node's version(s). */
  described: Record<string, { icons: string[]; versions: number[] }>;
}

/**
 * Requires each entry of the installed package in a fresh Node (cwd and parents outside this repository)
 * and reports which of its files were loaded and any module loaded from outside it other than the
 * provided dependencies. With `describe`, instantiates the n8n class each entry exports.
 */
function probe(dir: string, entries: string[], provided: string[], describe = false): Probe {
  const script = `
const path = require('path'), fs = require('fs');
const [dir, modules, entries, provided, describe] = JSON.parse(process.argv[1]);
const real = fs.realpathSync(dir);
const allowed = provided.map((d) => fs.realpathSync(path.join(modules, ...d.split('/'))));
const inside = (f, base) => f === base || f.startsWith(base + path.sep);
const out = { loaded: [], escapes: [], errors: [], described: {} };
const icons = (icon) => (!icon ? [] : typeof icon === 'string' ? [icon] : Object.values(icon));
for (const entry of entries) {
  try {
    const exported = require(path.join(real, entry));
    if (describe) {
      const name = path.basename(entry).replace(/\\.(node|credentials)\\.js$/, '');
      const instance = new exported[name]();
      const d = instance.description ?? instance;
      const versions = [].concat(d.version ?? []);
      out.described[entry] = { icons: icons(d.icon), versions };
    }
  } catch (err) {
    out.errors.push(entry + ': ' + err.message);
  }
}
for (const mod of Object.values(require.cache)) {
  if (!inside(mod.filename, real)) continue;
  out.loaded.push(path.relative(real, mod.filename).split(path.sep).join('/'));
  for (const child of mod.children) {
    if (!inside(child.filename, real) && !allowed.some((a) => inside(child.filename, a))) out.escapes.push(path.relative(real, mod.filename) + ' requires ' + child.filename);
  }
}
out.loaded.sort();
console.log(JSON.stringify(out));
`;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify([dir, modulesOf(dir), entries, provided, describe])], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return JSON.parse(output) as Probe;
}

/** The string leaves of package.json `exports`, e.g. "./dist/index.js" → "dist/index.js". */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports.replace(/^\.\//, '')];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name])) : [];

/** What the file list lacks of `needed`, and what it has that nothing needs (outside `ignored`). */
function compare(files: string[], needed: Iterable<string>, ignored: (file: string) => boolean = () => false) {
  const need = new Set(needed);
  return {
    missing: [...need].filter((f) => !files.includes(f)).sort(),
    unused: files.filter((f) => !need.has(f) && !ignored(f)).sort(),
  };
}

const COMMON = ['package.json', 'LICENSE', 'README.md'];

beforeAll(async () => {
  for (const built of ['shared/dist/index.js', 'node-red/dist/nodes/devicehook-in.js', 'dist/nodes/shared/core.js']) {
    if (!fs.existsSync(path.join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-tarballs-'));
  // scripts/pack.mjs in a child process, not its packAll() here: six `npm pack`s take 10–60 s, and a
  // test worker blocked that long misses vitest's RPC deadline ("Timeout calling onTaskUpdate").
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'pack.mjs'), '--no-build', '--json', '--out', path.join(work, 'release')], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  packed = JSON.parse(stdout) as Packed[];
}, 180_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the release tarballs', () => {
  it('are the three packages, named after name and version', () => {
    expect(packed.map((p) => path.basename(p.file))).toEqual(
      ['shared', 'node-red', '.'].map((dir) => {
        const { name, version } = readJson(path.join(root, dir, 'package.json'));
        return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
      }),
    );
  });

  it('@devicehook/core: main, exports, bin and types are there and load with only zod beside it', () => {
    const p = tarball('core');
    const dir = install(p, ['zod']);
    const manifest = readJson(path.join(dir, 'package.json'));
    expect(Object.keys(manifest).filter((k) => ['scripts', 'devDependencies', 'workspaces', 'private'].includes(k))).toEqual([]);
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);

    const entries = [manifest.main, ...exportTargets(manifest.exports)].filter((f) => f.endsWith('.js'));
    const loaded = probe(dir, [...new Set(entries)], ['zod']);
    expect(loaded.errors).toEqual([]);
    expect(loaded.escapes).toEqual([]);

    // The command: its bin file and what it loads (run, not required: requiring it would run it).
    const bins = Object.values(manifest.bin ?? {}) as string[];
    expect(bins).toEqual(['bin/devicehook.js']);
    const help = execFileSync(process.execPath, [path.join(dir, bins[0]!), '--help'], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(help).toMatch(/devicehook/);
    const cliLoads = ['dist/cli.js'];

    const types = [manifest.types, ...exportTargets(manifest.exports).filter((f) => f.endsWith('.d.ts'))];
    // d.ts files import their chunks (dist/deliver-<hash>.d.ts) and source maps belong to the .js files.
    const typeChunks = p.files.filter((f) => /^dist\/.*\.d\.ts$/.test(f));
    const maps = [...loaded.loaded, ...cliLoads].map((f) => `${f}.map`).filter((f) => p.files.includes(f));
    const { missing, unused } = compare(p.files, [...COMMON, ...loaded.loaded, ...bins, ...cliLoads, ...types, ...typeChunks, ...maps]);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
    for (const f of types) expect(p.files, f).toContain(f);
  });

  it('@devicehook/node-red: everything Node-RED and its editor load is in the tarball, which needs nothing else', () => {
    const p = tarball('node-red');
    const dir = install(p, []);
    const manifest = readJson(path.join(dir, 'package.json'));
    expect(Object.keys(manifest).filter((k) => ['scripts', 'devDependencies', 'workspaces', 'private'].includes(k))).toEqual([]);
    // Everything it depends on is bundled: the palette manager's `npm install <tarball>` fetches nothing.
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...manifest.bundleDependencies].sort());
    for (const dep of manifest.bundleDependencies as string[]) {
      expect(readJson(path.join(dir, 'node_modules', ...dep.split('/'), 'package.json')).version, dep).toBe(manifest.dependencies[dep]);
    }

    const nodeFiles = Object.values(manifest['node-red'].nodes) as string[];
    // Editor plugins (the DeviceHook sidebar): Node-RED loads the .js and serves the .html beside it.
    const pluginFiles = Object.values(manifest['node-red'].plugins ?? {}) as string[];
    const loaded = probe(dir, [...nodeFiles, ...pluginFiles], []);
    expect(loaded.errors).toEqual([]);
    expect(loaded.escapes).toEqual([]);
    const ownLoaded = loaded.loaded.filter((f) => !f.startsWith('node_modules/'));

    const needed = new Set([...COMMON, ...ownLoaded]);
    const fontAwesome = fs.readFileSync(path.join(root, 'node_modules', '@node-red', 'editor-client', 'public', 'vendor', 'font-awesome', 'css', 'font-awesome.min.css'), 'utf8');
    const languages = fs.readdirSync(path.join(root, 'node-red', 'src', 'locales'));
    expect(languages).toContain('en-US');
    const problems: string[] = [];
    for (const nodeFile of nodeFiles) {
      const html = nodeFile.replace(/\.js$/, '.html');
      needed.add(html);
      const text = p.files.includes(html) ? fs.readFileSync(path.join(dir, html), 'utf8') : '';
      // <script src="resources/<module>/<file>">: Node-RED serves <module>/resources/<file> there.
      for (const [, file] of text.matchAll(/src=["']resources\/@devicehook\/node-red\/([^"']+)["']/g)) needed.add(`resources/${file}`);
      for (const [, file] of text.matchAll(/src=["']resources\/(?!@devicehook\/node-red\/)([^"']+)["']/g)) problems.push(`${html} loads resources/${file} from another module`);
      for (const [, icon] of text.matchAll(/\bicon\s*:\s*["']([^"']+)["']/g)) {
        const fa = /^font-awesome\/(fa-[\w-]+)$/.exec(icon!);
        if (fa) {
          if (!fontAwesome.includes(`.${fa[1]}:before`)) problems.push(`${html}: icon ${icon} is not in Node-RED's Font Awesome`);
        } else {
          needed.add(`icons/${icon}`); // a module's own icons live in <module>/icons/
        }
      }
      // Message catalogues and help: <node dir>/locales/<lang>/<node>.json|.html
      for (const lang of languages) {
        for (const ext of ['json', 'html']) needed.add(`${path.posix.dirname(nodeFile)}/locales/${lang}/${path.posix.basename(nodeFile, '.js')}.${ext}`);
      }
    }
    for (const pluginFile of pluginFiles) {
      const html = pluginFile.replace(/\.js$/, '.html');
      needed.add(html);
      const text = p.files.includes(html) ? fs.readFileSync(path.join(dir, html), 'utf8') : '';
      for (const [, file] of text.matchAll(/src=["']resources\/@devicehook\/node-red\/([^"']+)["']/g)) needed.add(`resources/${file}`);
    }
    for (const example of fs.readdirSync(path.join(root, 'node-red', 'examples'))) needed.add(`examples/${example}`);
    expect(problems).toEqual([]);
    const { missing, unused } = compare(p.files, needed, (f) => f.startsWith('node_modules/'));
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });

  it('n8n-nodes-devicehook: every node and credential loads with only n8n-workflow beside it; icons, codex and schemas are there', () => {
    const p = tarball('n8n');
    const dir = install(p, ['n8n-workflow']);
    const manifest = readJson(path.join(dir, 'package.json'));
    // n8n's rules, and nothing a user's npm would act on.
    expect(Object.keys(manifest).filter((k) => ['scripts', 'devDependencies', 'workspaces', 'private', 'dependencies', 'bundleDependencies', 'optionalDependencies', 'overrides'].includes(k))).toEqual([]);
    expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });

    const entries = [...manifest.n8n.nodes, ...manifest.n8n.credentials] as string[];
    const loaded = probe(dir, entries, ['n8n-workflow'], true);
    expect(loaded.errors).toEqual([]);
    expect(loaded.escapes).toEqual([]);

    const needed = new Set([...COMMON, ...loaded.loaded]);
    const problems: string[] = [];
    for (const entry of entries) {
      const described = loaded.described[entry]!;
      if (entry.endsWith('.node.js')) {
        needed.add(`${entry}on`); // the codex file: <Name>.node.json
        if (described.icons.length === 0) problems.push(`${entry} names no icon`);
      }
      for (const icon of described.icons) {
        if (!icon.startsWith('file:')) continue; // fa:… icons come with n8n
        const file = path.posix.normalize(`${path.posix.dirname(entry)}/${icon.slice('file:'.length)}`);
        if (file.startsWith('..')) problems.push(`${entry}: icon ${icon} is outside the package`);
        needed.add(file);
      }
    }
    // The output schemas n8n serves for the nodes (/schemas/<type>/<version>.json), as the build made them.
    const schemas = filesUnder(path.join(root, 'dist')).filter((f) => f.includes('/__schema__/')).map((f) => `dist/${f}`);
    expect(schemas.length).toBeGreaterThan(0);
    for (const schema of schemas) needed.add(schema);
    expect(problems).toEqual([]);
    const { missing, unused } = compare(p.files, needed);
    expect({ missing, unused }).toEqual({ missing: [], unused: [] });
  });
});
