/**
 * scripts/hardening-report.mjs: a section with results in this run gets a fresh table; a section without a
 * results file keeps the table the document already had, marked "from an earlier run", so running only
 * some suites does not erase the others' figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'hardening-report.mjs');
const dir = mkdtempSync(join(tmpdir(), 'hardening-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (section: string, c: string, figures: string) => ({ section, runtime: 'core verify()', case: c, tried: `tried ${c}`, held: true, figures });
function report(results: unknown[][], doc: string): string {
  const resultsDir = join(dir, `results-${Math.random().toString(36).slice(2)}`);
  mkdirSync(resultsDir);
  results.forEach((rows, i) => writeFileSync(join(resultsDir, `r${i}.json`), JSON.stringify(rows)));
  const out = join(resultsDir, 'hardening.md');
  writeFileSync(out, doc);
  execFileSync(process.execPath, [SCRIPT, '--no-run', '--results', resultsDir, '--out', out]);
  return readFileSync(out, 'utf8');
}
const section = (text: string, title: string) => (text.split(/^### /m).find((part) => part.startsWith(`${title}\n`)) ?? '').slice(title.length + 1).split('<!--')[0];

describe('hardening report', () => {
  const first = report([[row('load', 'load-case', 'LOAD-FIGURES-1')], [row('secure-defaults', 'fail-closed', 'SD-1')]], '# Hardening\n');
  const second = report([[row('secure-defaults', 'fail-closed', 'SD-2')], [row('hostile-complexity', 'nesting', 'HC-2')]], first);

  it('lists hostile complexity and secure defaults as known sections, with their intro', () => {
    expect(section(second, 'Hostile complexity')).toContain('HC-2');
    expect(section(second, 'Hostile complexity')).toMatch(/Adversarial bodies/);
    expect(section(first, 'Secure defaults')).toMatch(/fail closed without a secret/);
    expect(section(first, 'Hostile complexity').trim()).toBe('not run');
  });

  it('keeps the earlier table of a section without results in this run, marked as such', () => {
    expect(section(first, 'Load')).toContain('LOAD-FIGURES-1');
    expect(section(first, 'Load')).not.toContain('from an earlier run');
    expect(section(second, 'Load')).toContain('LOAD-FIGURES-1');
    expect(section(second, 'Load')).toContain('from an earlier run');
    // A third run without load results does not stack the mark.
    const third = report([[row('fuzz', 'f', 'FUZZ-3')]], second);
    expect(section(third, 'Load').match(/from an earlier run/g)).toHaveLength(1);
    expect(section(third, 'Load')).toContain('LOAD-FIGURES-1');
  });

  it('replaces the table of a section that has results in this run', () => {
    expect(section(second, 'Secure defaults')).toContain('SD-2');
    expect(section(second, 'Secure defaults')).not.toContain('SD-1');
    expect(section(second, 'Secure defaults')).not.toContain('from an earlier run');
    expect(section(second, 'Faults').trim()).toBe('not run');
  });
});
