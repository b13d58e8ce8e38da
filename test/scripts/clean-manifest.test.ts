/**
 * scripts/clean-manifest.mjs: the package.json a user's npm receives carries no workspace, script or
 * devDependency noise, and keeps everything n8n and npm need to load and install the package.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error — a plain ES module without type declarations
import { cleanManifest, REPOSITORY_ONLY_KEYS } from '../../scripts/clean-manifest.mjs';

type Manifest = Record<string, unknown>;
const clean = cleanManifest as (m: Manifest) => Manifest;
const ROOT = join(__dirname, '..', '..');
const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;

describe("the n8n package's published manifest", () => {
  const source = manifestOf('.');
  const published = clean(source);

  it('has no workspaces, scripts or devDependencies', () => {
    expect(source).toHaveProperty('workspaces');
    expect(source).toHaveProperty('scripts');
    expect(source).toHaveProperty('devDependencies');
    expect(published).not.toHaveProperty('workspaces');
    expect(published).not.toHaveProperty('scripts');
    expect(published).not.toHaveProperty('devDependencies');
  });

  it('keeps what n8n and npm read: name, version, files, the n8n section, the peer and the keyword', () => {
    for (const key of ['name', 'version', 'description', 'license', 'files', 'n8n', 'peerDependencies', 'engines', 'repository']) {
      expect(published[key], key).toEqual(source[key]);
    }
    expect(published['keywords']).toContain('n8n-community-node-package');
  });

  it('leaves the manifest it was given unchanged, keeps key order, and is idempotent', () => {
    const before = JSON.stringify(source);
    clean(source);
    expect(JSON.stringify(source)).toBe(before);
    expect(Object.keys(published)).toEqual(Object.keys(source).filter((k) => Object.keys(published).includes(k)));
    expect(clean(published)).toEqual(published);
  });

  it('returns a copy: changing the result does not reach the source', () => {
    const copy = clean(source);
    ((copy['n8n'] as Manifest)['nodes'] as string[]).push('x');
    expect(((source['n8n'] as Manifest)['nodes'] as string[]).includes('x')).toBe(false);
  });

  it('the core and Node-RED manifests lose only their scripts', () => {
    for (const dir of ['shared', 'node-red']) {
      const m = manifestOf(dir);
      const { scripts: _scripts, ...rest } = m;
      expect(clean(m), dir).toEqual(rest);
    }
  });
});

describe('cleanManifest on any manifest', () => {
  const keyArb = fc.oneof(fc.constantFrom(...(REPOSITORY_ONLY_KEYS as string[]), '//', '// note', 'name', 'dependencies', 'files'), fc.string());

  it('drops exactly the repository-only and comment keys and copies every other value', () => {
    fc.assert(
      fc.property(fc.dictionary(keyArb, fc.jsonValue()), (manifest) => {
        const out = clean(manifest);
        const expectedKeys = Object.keys(manifest).filter((k) => !(REPOSITORY_ONLY_KEYS as string[]).includes(k) && !k.startsWith('//'));
        expect(Object.keys(out)).toEqual(expectedKeys);
        for (const k of expectedKeys) expect(out[k]).toEqual(manifest[k]);
      }),
    );
  });

  it('keeps a key named __proto__ as data', () => {
    const manifest = JSON.parse('{"name":"x","__proto__":{"polluted":true},"scripts":{}}') as Manifest;
    const out = clean(manifest);
    expect(Object.keys(out)).toEqual(['name', '__proto__']);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('refuses what is not a manifest object', () => {
    for (const bad of [null, [], 'package.json', 3]) expect(() => clean(bad as unknown as Manifest)).toThrow(TypeError);
  });
});
