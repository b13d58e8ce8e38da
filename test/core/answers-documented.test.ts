/**
 * The statuses a receiver can answer are documented where users look — the README's Answers table and the
 * help of the Node-RED nodes that answer (devicehook in) or hand the status on (devicehook verify) — and
 * the documentation says exactly what the core's code → status table (shared/src/results.ts) says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refuse } from '../../shared/src/results';
import type { VerifyFailureCode } from '../../shared/src/types';

const ROOT = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** The core's table, read from its source so that a code added there is seen here without a list to update. */
function coreTable(): Map<string, number> {
  const source = read('shared/src/results.ts');
  const block = /const STATUS[^=]*=\s*\{([\s\S]*?)\};/.exec(source)?.[1];
  if (!block) throw new Error('shared/src/results.ts has no STATUS table');
  return new Map([...block.matchAll(/^\s*([a-z_]+):\s*(\d{3}),/gm)].map((m) => [m[1] as string, Number(m[2])]));
}

/** The result codes and statuses the lead decided on (fail closed, duplicates, timeouts, source lists). */
const DECIDED: ReadonlyMap<string, number> = new Map([
  ['not_configured', 503],
  ['request_timeout', 408],
  ['source_not_allowed', 403],
  ['duplicate', 200],
]);

const expected = (): Map<string, number> => coreTable();

/** Rows of an HTML table: [status, codes] from `<td><code>NNN</code></td><td><code>a_code</code>, …</td>`. */
function htmlRows(html: string): Array<[number, string[]]> {
  return [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].flatMap((row) => {
    const cells = [...(row[1] as string).matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => c[1] as string);
    const status = /^<code>(\d{3})<\/code>$/.exec((cells[0] ?? '').trim())?.[1];
    if (!status) return [];
    const codes = [...(cells[1] ?? '').matchAll(/<code>([a-z][a-z_]*)<\/code>/g)].map((m) => m[1] as string);
    return [[Number(status), codes] as [number, string[]]];
  });
}

/** Rows of the README's Answers table: | status | `code`, … | when |. */
function markdownRows(markdown: string): Array<[number, string[]]> {
  const start = markdown.indexOf('## Answers: every status a receiver gives');
  if (start < 0) throw new Error('README.md has no "Answers" section');
  const section = markdown.slice(start, markdown.indexOf('\n## ', start + 3));
  return [...section.matchAll(/^\| (\d{3}) \| ([^|]*) \|/gm)].map((m) => [Number(m[1]), [...(m[2] as string).matchAll(/`([a-z][a-z_]*)`/g)].map((c) => c[1] as string)]);
}

/** What a document says against the expected table: codes missing, codes with another status, codes unknown. */
function drift(rows: Array<[number, string[]]>, table: Map<string, number>): string[] {
  const documented = new Map<string, number>();
  for (const [status, codes] of rows) for (const code of codes) documented.set(code, status);
  const problems: string[] = [];
  for (const [code, status] of table) {
    if (!documented.has(code)) problems.push(`${code} (${status}) is not listed`);
    else if (documented.get(code) !== status) problems.push(`${code} is listed as ${documented.get(code)}, the core answers ${status}`);
  }
  for (const code of documented.keys()) if (!table.has(code)) problems.push(`${code} is listed but the core has no such code`);
  return problems;
}

describe("the core's code → status table", () => {
  it('is read in full from the source, and refuse() answers what it says', () => {
    const table = coreTable();
    expect(table.size).toBeGreaterThanOrEqual(17);
    for (const [code, status] of table) expect(refuse(code as VerifyFailureCode, 'm').status, code).toBe(status);
  });

  it('carries the decided codes with the decided statuses', () => {
    const table = coreTable();
    for (const [code, status] of DECIDED) expect(table.get(code), code).toBe(status);
  });
});

describe.each([
  ['README.md', () => markdownRows(read('README.md'))],
  ['node-red/src/locales/en-US/devicehook-in.html', () => htmlRows(read('node-red/src/locales/en-US/devicehook-in.html'))],
  ['node-red/src/locales/en-US/devicehook-verify.html', () => htmlRows(read('node-red/src/locales/en-US/devicehook-verify.html'))],
] as const)('%s', (file, rowsOf) => {
  it('lists every code with the status the core answers, and nothing else', () => {
    const rows = rowsOf();
    expect(rows.length).toBeGreaterThan(5);
    expect(drift(rows, expected())).toEqual([]);
  });

  it('shows the accepted, ignored and duplicate answers and the refusal shape', () => {
    const text = read(file);
    const refusal = file.endsWith('devicehook-verify.html') ? 'error {status, code, message}' : '"code":…,"message":…';
    for (const shape of ['"received":true,"type"', '"ignored":true', '"duplicate":true', refusal]) expect(text, shape).toContain(shape);
  });
});

describe('the drift check', () => {
  it('reports a missing code, a wrong status and an unknown code', () => {
    const table = new Map([
      ['a_code', 400],
      ['b_code', 415],
    ]);
    expect(drift([[400, ['a_code']], [401, ['c_code']]], table)).toEqual(['b_code (415) is not listed', 'c_code is listed but the core has no such code']);
    expect(drift([[401, ['a_code', 'b_code']]], table)).toEqual(['a_code is listed as 401, the core answers 400', 'b_code is listed as 401, the core answers 415']);
  });

  it('would have caught the old help, which listed four statuses and no 415', () => {
    const oldHelp = '<p><code>401</code> for a missing or wrong signature, <code>400</code> for bad JSON, <code>413</code> …</p>';
    expect(drift(htmlRows(oldHelp), expected()).length).toBeGreaterThan(10);
  });
});
