/**
 * Every documentation link resolves: the n8n credentials' `documentationUrl`, the codex files' resources,
 * the Node-RED help links, the packages' READMEs, and the relative links between our Markdown files.
 * A link to https://github.com/devicehook/devicehook#anchor or …/blob/main/<file>#anchor must name a file
 * of this repository and a heading (GitHub's slug rules) or an explicit anchor in it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const REPO_URL = 'https://github.com/devicehook/devicehook';

/** GitHub's heading slug (github-slugger): lower case, punctuation and symbols dropped, spaces → "-". */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown file offers: heading slugs (repeats get -1, -2 …) and explicit id/name anchors. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fenceMatch) {
      const marker = (fenceMatch[1] as string)[0] as string;
      if (fence === undefined) fence = marker;
      else if (fence === marker) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const base = githubSlug(heading[1] as string);
      const count = seen.get(base) ?? 0;
      anchors.add(count === 0 ? base : `${base}-${count}`);
      seen.set(base, count + 1);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1] as string);
  }
  return anchors;
}

function tracked(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

interface Link {
  from: string;
  url: string;
}

/** Where a link leads: the repository file (or folder) and the anchor, or undefined when it is not ours. */
function targetOf(link: Link): { file: string; anchor?: string; folder?: boolean } | undefined {
  const [path, anchor] = link.url.split('#', 2) as [string, string | undefined];
  if (link.url.startsWith(REPO_URL)) {
    const rest = path.slice(REPO_URL.length);
    if (rest === '' || rest === '/') return { file: 'README.md', anchor };
    const blob = /^\/(blob|tree)\/main\/(.+)$/.exec(rest);
    if (!blob) return undefined; // issues, .git and the like: not documentation
    return { file: blob[2] as string, anchor, folder: blob[1] === 'tree' };
  }
  if (/^[a-z]+:/i.test(link.url) || link.url.startsWith('//')) return undefined; // another site
  const file = path === '' ? link.from : posix.normalize(posix.join(posix.dirname(link.from), decodeURI(path)));
  return { file, anchor };
}

function problemOf(link: Link): string | undefined {
  const target = targetOf(link);
  if (!target) return undefined;
  const full = join(ROOT, target.file);
  if (!existsSync(full)) return `${link.from}: ${link.url} → ${target.file} does not exist`;
  if (target.folder && !statSync(full).isDirectory()) return `${link.from}: ${link.url} → ${target.file} is not a folder`;
  if (target.anchor === undefined || target.anchor === '') return undefined;
  if (target.file === 'README.md' && target.anchor === 'readme' && link.url.startsWith(REPO_URL)) return undefined; // GitHub's own
  if (!target.file.endsWith('.md')) return `${link.from}: ${link.url} → an anchor into ${target.file}, which is not Markdown`;
  if (!anchorsOf(readFileSync(full, 'utf8')).has(decodeURIComponent(target.anchor))) {
    return `${link.from}: ${link.url} → no heading or anchor "${target.anchor}" in ${target.file}`;
  }
  return undefined;
}

const files = tracked();
const SOURCES = files.filter((f) => /^(nodes|credentials|node-red|shared)\/.+\.(ts|json|html|js|md)$/.test(f) || f === 'package.json' || /^docs\/.+\.md$/.test(f) || f === 'README.md');

/** Every URL of ours in a source file, and every relative link of a Markdown file. */
function linksIn(file: string): Link[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const links: Link[] = [];
  for (const m of text.matchAll(/https:\/\/github\.com\/devicehook\/devicehook[^\s'"`)<>\]]*/g)) links.push({ from: file, url: m[0].replace(/[.,;:]+$/, '') });
  if (file.endsWith('.md')) {
    const prose = text.replace(/^\s{0,3}(`{3,}|~{3,})[\s\S]*?^\s{0,3}\1/gm, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const url = m[1] as string;
      if (!url.startsWith('http') && !url.startsWith('mailto:')) links.push({ from: file, url });
    }
  }
  return links;
}

describe('GitHub anchor slugs', () => {
  it('match what GitHub renders for our kinds of headings', () => {
    expect(githubSlug('n8n: `n8n-nodes-devicehook`')).toBe('n8n-n8n-nodes-devicehook');
    expect(githubSlug('EdgeSense.io')).toBe('edgesenseio');
    expect(githubSlug('Answers: every status a receiver gives')).toBe('answers-every-status-a-receiver-gives');
    expect(githubSlug('The core and the `devicehook` CLI')).toBe('the-core-and-the-devicehook-cli');
    expect(githubSlug('`deliver({ config, body }, io)` — signed webhooks out')).toBe('deliver-config-body--io--signed-webhooks-out');
    expect(githubSlug('1NCE API')).toBe('1nce-api');
  });

  it('repeat headings get -1, -2; headings in code fences do not count', () => {
    const anchors = anchorsOf('# A\n## Into n8n\n```sh\n# not a heading\n```\n## Into n8n\n<a id="custom"></a>\n');
    expect([...anchors]).toEqual(['a', 'into-n8n', 'into-n8n-1', 'custom']);
  });
});

describe('documentation links resolve', () => {
  it('every n8n credential and codex file links to our documentation, at an anchor', () => {
    const credentials = files.filter((f) => /^credentials\/.+\.credentials\.ts$/.test(f));
    expect(credentials.length).toBeGreaterThan(0);
    for (const file of credentials) {
      expect(readFileSync(join(ROOT, file), 'utf8'), file).toMatch(/documentationUrl = 'https:\/\/github\.com\/devicehook\/devicehook[^']*#[^']+'/);
    }
    const codex = files.filter((f) => /^nodes\/.+\.node\.json$/.test(f));
    expect(codex.length).toBeGreaterThan(0);
    for (const file of codex) {
      const resources = (JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { resources?: Record<string, Array<{ url: string }>> }).resources ?? {};
      expect(Object.keys(resources), file).toEqual(expect.arrayContaining(['primaryDocumentation', 'credentialDocumentation']));
      for (const entry of Object.values(resources).flat()) expect(entry.url, file).toMatch(/^https:\/\/github\.com\/devicehook\/devicehook[^#]*#.+/);
    }
  });

  it('every Node-RED help text links to our documentation', () => {
    const help = files.filter((f) => /^node-red\/src\/locales\/en-US\/.+\.html$/.test(f));
    expect(help.length).toBeGreaterThanOrEqual(4);
    for (const file of help) expect(readFileSync(join(ROOT, file), 'utf8'), file).toContain(REPO_URL);
  });

  it('every link names an existing file and anchor', () => {
    const links = SOURCES.flatMap(linksIn);
    expect(links.filter((l) => l.from.startsWith('credentials/')).length).toBeGreaterThan(0);
    expect(links.filter((l) => l.from.startsWith('node-red/src/locales/')).length).toBeGreaterThan(0);
    expect(links.filter((l) => l.from === 'README.md').length).toBeGreaterThan(10);
    expect(links.map(problemOf).filter(Boolean)).toEqual([]);
  });

  it('a broken anchor or file is reported', () => {
    expect(problemOf({ from: 'credentials/X.ts', url: `${REPO_URL}#no-such-heading` })).toMatch(/no heading or anchor "no-such-heading" in README\.md/);
    expect(problemOf({ from: 'x.html', url: `${REPO_URL}/blob/main/docs/nothing.md#x` })).toMatch(/does not exist/);
    expect(problemOf({ from: 'README.md', url: 'docs/vendors.md#no-such-vendor' })).toMatch(/no heading/);
    expect(problemOf({ from: 'README.md', url: '#install' })).toBeUndefined();
  });
});
