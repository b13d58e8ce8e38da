/**
 * The repository is self-contained: no tracked file reads or cites anything outside it. A clone with
 * nothing beside it must pass `npm test`, and a comment must cite what a reader of the repository can
 * open (docs/vendors.md, test/fixtures/…), not a folder that only the authors had.
 *
 * Checked in every tracked text file under shared/, nodes/, credentials/, node-red/, test/, scripts/,
 * bench/, docs/, examples/, the READMEs and the root build/test configuration:
 *   - names of reference material that lives outside the repository (the markers below);
 *   - absolute paths into the authors' machine (`/work/…`);
 *   - relative paths that climb out of the repository root: string literals and Markdown links starting
 *     with `../`, `join`/`resolve(base, '..', …)` calls whose base is the file's own folder or the root,
 *     and `new URL('../…', import.meta.url)`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SELF = 'test/core/self-contained.test.ts';
const SCOPES = ['shared/', 'nodes/', 'credentials/', 'node-red/', 'test/', 'scripts/', 'bench/', 'docs/', 'examples/'];
const ROOT_FILES = ['README.md', 'package.json', 'tsconfig.json', 'vitest.config.ts', 'vitest.e2e.config.ts', 'vitest.hardening.config.ts', 'eslint.config.mjs', '.ci/run'];

/** Names of material outside the repository (each spelt in two pieces, so this file does not match itself). */
const MARKERS: Array<[RegExp, string]> = [
  [new RegExp(['vendor', '-docs'].join(''), 'i'), 'the vendor-docs folder outside the repository'],
  [new RegExp(['vendor', '-protocols'].join(''), 'i'), 'the vendor protocol notes outside the repository'],
  [new RegExp(['1nce', '-openapi'].join(''), 'i'), 'the 1NCE OpenAPI file outside the repository'],
  [new RegExp(['1nce', '-examples\\.json'].join(''), 'i'), 'the 1NCE examples outside the repository (test/fixtures/vendors/1nce-messages.json)'],
  [new RegExp(['incloud', '-example\\.json'].join(''), 'i'), 'the InCloud example outside the repository (test/fixtures/vendors/incloud-manager-example.json)'],
  [new RegExp(['n8n', '-notes'].join(''), 'i'), 'the n8n notes outside the repository'],
  [new RegExp(['nodered', '-notes'].join(''), 'i'), 'the Node-RED notes outside the repository'],
  [new RegExp(['house', '-style'].join(''), 'i'), 'the house-style notes outside the repository'],
  [new RegExp(['webhook', '-anchors'].join(''), 'i'), 'the webhook-anchors notes outside the repository'],
  [new RegExp(['\\bspec', '\\s*§'].join('')), 'a section of a spec that is not in the repository (cite docs/vendors.md#…)'],
  [new RegExp(['(?:^|[\\s\'"`(=:])/', 'work/'].join(''), 'm'), "an absolute path on the authors' machine"],
];

export interface Escape {
  file: string;
  line: number;
  what: string;
}

function isInside(target: string): boolean {
  const rel = posix.relative('.', posix.normalize(target));
  return rel !== '..' && !rel.startsWith('../');
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Splits the argument list that starts right after `(` at `start`; returns the raw arguments. */
function callArguments(text: string, start: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = start; i < text.length && i < start + 600; i++) {
    const ch = text[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return undefined;
      current += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) {
        args.push(current.trim());
        return args;
      }
      depth--;
    }
    if (ch === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  return undefined;
}

const literal = (arg: string): string | undefined => /^(['"`])([^'"`$]*)\1$/.exec(arg)?.[2];

/**
 * Every place in `text` (the content of `file`, a path relative to the repository root) that reads or
 * cites something outside the repository.
 */
export function findEscapes(file: string, text: string): Escape[] {
  const found: Escape[] = [];
  const dir = posix.dirname(file);
  const add = (index: number, what: string) => found.push({ file, line: lineOf(text, index), what });

  for (const [pattern, what] of MARKERS) {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    for (const match of text.matchAll(global)) add(match.index ?? 0, `${what}: "${match[0].trim()}"`);
  }

  // Relative paths, resolved from the file's folder: Markdown links in Markdown (where quoted text is prose,
  // e.g. a bad-input case "../../admin" in a table), string literals and links elsewhere.
  const relativePaths = file.endsWith('.md') ? /\]\(((?:\.\.\/)+[^)\s]*)/g : /(?:['"`]|\]\()((?:\.\.\/)+[^'"`)\s]*)/g;
  for (const match of text.matchAll(relativePaths)) {
    const target = posix.join(dir, match[1] as string);
    if (!isInside(target)) add(match.index ?? 0, `relative path "${match[1]}" resolves outside the repository`);
  }

  // join/resolve(base, '..', …) from the file's folder or the root.
  for (const match of text.matchAll(/\b(?:join|resolve)\(/g)) {
    const args = callArguments(text, (match.index ?? 0) + match[0].length);
    if (!args || args.length < 2) continue;
    const base = args[0] as string;
    let from: string | undefined;
    if (/__dirname|import\.meta/.test(base)) from = dir;
    else if (/^(?:root|ROOT|repoRoot|REPO_ROOT)$/.test(base) && new RegExp(`\\b(?:const|let|var)\\s+${base}\\s*=[^;\\n]*(?:__dirname|import\\.meta)`).test(text)) from = '.';
    else if (literal(base)?.startsWith('.')) from = posix.join(dir, literal(base) as string);
    if (from === undefined) continue;
    let target = from;
    for (const arg of args.slice(1)) {
      const segment = literal(arg);
      if (segment === undefined) break;
      target = posix.join(target, segment);
    }
    if (!isInside(target)) add(match.index ?? 0, `${match[0]}${args.join(', ')}) resolves outside the repository`);
  }

  // new URL('../…', import.meta.url)
  for (const match of text.matchAll(/new URL\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url/g)) {
    if (!isInside(posix.join(dir, match[2] as string))) add(match.index ?? 0, `new URL("${match[2]}", import.meta.url) resolves outside the repository`);
  }
  return found;
}

function trackedFiles(): string[] {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\0').filter(Boolean);
  } catch {
    // Not a git checkout (e.g. an unpacked archive): walk the same folders, skipping what git ignores here.
    const walk = (rel: string): string[] =>
      readdirSync(join(ROOT, rel)).flatMap((name) => {
        if (['node_modules', 'dist', '.git', 'results', 'artifacts'].includes(name)) return [];
        const child = rel ? `${rel}/${name}` : name;
        return statSync(join(ROOT, child)).isDirectory() ? walk(child) : [child];
      });
    files = walk('');
  }
  return files.filter((f) => f !== SELF && (SCOPES.some((s) => f.startsWith(s)) || ROOT_FILES.includes(f) || /(^|\/)README\.md$/.test(f)));
}

describe('the repository reads and cites nothing outside it', () => {
  const files = trackedFiles();

  it('covers the folders a user clones', () => {
    for (const scope of ['shared/', 'nodes/', 'credentials/', 'node-red/', 'test/', 'scripts/', 'bench/', 'docs/', 'examples/']) {
      expect(files.some((f) => f.startsWith(scope)), scope).toBe(true);
    }
    expect(files).toContain('README.md');
  });

  it('no tracked file names or climbs to a path outside the repository', () => {
    const escapes = files.flatMap((file) => {
      const bytes = readFileSync(join(ROOT, file));
      if (bytes.includes(0)) return [];
      return findEscapes(file, bytes.toString('utf8'));
    });
    expect(escapes.map((e) => `${e.file}:${e.line}: ${e.what}`)).toEqual([]);
  });
});

describe('the checker finds what the old code did', () => {
  const lines = (file: string, text: string) => findEscapes(file, text).map((e) => e.what);

  it('a test reading the notes beside the repository', () => {
    const old = "const SHARED = join(__dirname, '..', '..', '..', 'shared');\nconst spec = readFileSync(join(SHARED, 'x.md'), 'utf8');";
    expect(lines('test/core/x.test.ts', old)).toEqual([expect.stringMatching(/^join\(__dirname, '\.\.', '\.\.', '\.\.', 'shared'\) resolves outside/)]);
    expect(lines('scripts/x.mjs', "path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')")).toHaveLength(1);
    expect(lines('test/core/x.test.ts', "readFileSync('../../../shared/x.json')")).toEqual([expect.stringMatching(/relative path/)]);
    expect(lines('bench/x.mjs', "new URL('../../notes.md', import.meta.url)")).toHaveLength(2);
  });

  it('comments citing material that is not in the repository', () => {
    expect(lines('shared/src/a.ts', ` * InHand (spec §1; ${'vendor'}-docs/000).`)).toHaveLength(2);
    expect(lines('test/helpers/a.ts', ` * see /work/shared/${'n8n'}-notes.md §5.2`)).toHaveLength(2);
    expect(lines('docs/a.md', 'the [spec](../../outside/spec.md)')).toEqual([expect.stringMatching(/relative path/)]);
    expect(lines('docs/a.md', '| `dot-dot` | "../../admin" in a path segment |')).toEqual([]);
  });

  it('leaves paths inside the repository alone', () => {
    expect(lines('test/core/x.test.ts', "import { verify } from '../../shared/src/index';\nconst root = join(__dirname, '..', '..');")).toEqual([]);
    expect(lines('test/core/x.test.ts', "const root = mkdtempSync(join(tmpdir(), 'x-'));\nexistsSync(join(root, '..', 'etc'));")).toEqual([]);
    expect(lines('scripts/x.mjs', "const root = join(dirname(fileURLToPath(import.meta.url)), '..');\njoin(root, '..', 'shared');")).toHaveLength(1);
    expect(lines('bench/core.mjs', "const core = require('../shared');")).toEqual([]);
    expect(lines('node-red/README.md', 'Built on [`@devicehook/core`](../shared).')).toEqual([]);
    expect(lines('scripts/x.mjs', "const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');")).toEqual([]);
    expect(lines('docs/vendors.md', 'See [fixtures](../test/fixtures/vendors/README.md) and https://example.com/work/x.')).toEqual([]);
  });
});
