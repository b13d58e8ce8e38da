/**
 * What a user sees in n8n's node panel: the monogram icons are legible (letters clear of the arc under
 * them) and every trigger is found by searching "webhook".
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

describe('monogram icons', () => {
  const monograms = readdirSync(join(root, 'icons')).filter((name) => readFileSync(join(root, 'icons', name), 'utf8').includes('<text'));

  it('exist for the vendor icons', () => {
    expect(monograms.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of monograms) {
    it(`${name}: the letters end above the arc`, () => {
      const svg = readFileSync(join(root, 'icons', name), 'utf8');
      const baseline = Number(/<text[^>]* y="([\d.]+)"/.exec(svg)![1]);
      // The arc is drawn as "M x0 y0 c 0-a b-c d-rise …": it starts at y0 and rises to y0 - rise.
      const [, startY, rise] = /<path d="M[\d.]+ ([\d.]+)c[\d.]+-[\d.]+ [\d.]+-[\d.]+ [\d.]+-([\d.]+)/.exec(svg)!.map(Number) as number[];
      const arcTop = startY! - rise! - 1.5; // half the stroke width
      // Arial's descent at 20 px is ~4 px; digits and capitals have none, so the baseline is the lowest ink.
      expect(arcTop - baseline).toBeGreaterThanOrEqual(4);
    });
  }
});

describe('searching the node panel', () => {
  const codexFiles = readdirSync(join(root, 'nodes'), { recursive: true, encoding: 'utf8' }).filter((p) => /Trigger\.node\.json$/.test(p));

  it('covers every trigger', () => {
    expect(codexFiles.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of codexFiles) {
    it(`${file}: is found by "webhook"`, () => {
      const codex = JSON.parse(readFileSync(join(root, 'nodes', file), 'utf8')) as { alias?: string[] };
      expect((codex.alias ?? []).map((a) => a.toLowerCase())).toContain('webhook');
    });
  }
});
