#!/usr/bin/env node
/**
 * Regenerates docs/hardening.md ("Hardening: what was tried and what held", linked from the README) from the
 * results files of the hardening suite: runs `npm run test:hardening` (unless --no-run), reads
 * test/hardening/results/*.json and rewrites what lies between `<!-- hardening:start -->` and
 * `<!-- hardening:end -->` in docs/hardening.md (the heading and the markers are written when absent).
 *
 *   npm run hardening:report                   # run the suite, then write docs/hardening.md
 *   node scripts/hardening-report.mjs --no-run # only rebuild the tables from the existing results
 *   node scripts/hardening-report.mjs --no-run --print           # print them, touch nothing
 *   node scripts/hardening-report.mjs --no-run --out /tmp/H.md   # write another file (--readme: the same)
 *   node scripts/hardening-report.mjs --no-run --results DIR     # read the results files from DIR
 *
 * A section with no results file in this run keeps the table the document already has for it (marked
 * "from an earlier run"), so running only some suites does not erase the others' figures.
 *
 * ── Results file format (for every suite that wants a place in the table) ───────────────────────────
 * One file per test file, test/hardening/results/<name>.json (git-ignored), written once from an afterAll
 * hook and overwritten on every run. Content: a JSON array of rows (or { "rows": [...] }), each row
 *
 *   {
 *     "section": "bad-inputs" | "runtime-health" | "load" | "faults" | "queue-mode" | "fuzz" | "<other>",
 *     "runtime": "Node-RED 4.1.15 (Node 20.20.2)",  // where it ran: "core verify()", "n8n 2.x (Node 22.x)", …
 *     "case":    "json-truncated",                  // bad-inputs: the case id from test/hardening/bad-inputs.ts;
 *                                                   // elsewhere a short name of what was checked
 *     "tried":   "JSON cut in half",                // what was sent or done, with amounts
 *     "held":    true,                              // false = did not hold; null = not applicable there
 *     "figures": "400 invalid_json ×3, no message", // the numbers: statuses, counts, ms, MiB… (a string;
 *                                                   // an object is printed as "key: value" pairs)
 *     "note":    "…"                                // optional: why it did not hold (a finding), shown below the table
 *   }
 *
 * Sections known to the report, in this order (others follow under their own name): bad-inputs (a matrix
 * of cases × runtimes), runtime-health, load, faults, queue-mode, fuzz, hostile-complexity,
 * secure-defaults. A known section without rows keeps its earlier table when the document has one, and is
 * printed as "not run" otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_RESULTS_DIR = join(root, 'test', 'hardening', 'results');
const START = '<!-- hardening:start -->';
const END = '<!-- hardening:end -->';
const HEADING = '# Hardening: what was tried and what held';

const SECTIONS = [
  ['bad-inputs', 'Bad-input matrix', 'Every case of test/hardening/bad-inputs.ts, sent byte for byte (or given to the core directly); held = the expected 4xx and no message, flow or execution started.'],
  ['runtime-health', 'Process and memory', 'The runtime after the bad-input matrix: same process, still answering, memory back near its baseline.'],
  ['load', 'Load', ''],
  ['faults', 'Faults', ''],
  ['queue-mode', 'n8n queue mode', ''],
  ['fuzz', 'Fuzz', 'fast-check properties (test/hardening/fuzz-properties.mjs): the CI-sized run and, when made, the long run (npm run fuzz:long).'],
  ['hostile-complexity', 'Hostile complexity', 'Adversarial bodies (bench/hostile-corpus.mjs: duplicate keys, deep nesting, escapes, long numbers, many keys) through verify() for every vendor and through a real Node-RED: verdicts as JSON.parse reads the bytes, CPU growth linear, other flows still answering.'],
  ['secure-defaults', 'Secure defaults', 'Each secure default as a user meets it (test/hardening/secure-defaults.test.ts): fail closed without a secret, secrets stripped or redacted, outbox files private, SSRF guard on, admin paths refused, duplicates answered 200.'],
];
const EARLIER = '_(from an earlier run)_';

function parseArgs(argv) {
  const args = { run: true, print: false, out: join(root, 'docs', 'hardening.md'), results: DEFAULT_RESULTS_DIR };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-run') args.run = false;
    else if (argv[i] === '--print') args.print = true;
    else if (argv[i] === '--out' || argv[i] === '--readme') args.out = argv[++i];
    else if (argv[i] === '--results') args.results = argv[++i];
    else {
      console.error(`unknown argument ${argv[i]}\nusage: node scripts/hardening-report.mjs [--no-run] [--print] [--out FILE] [--results DIR]`);
      process.exit(2);
    }
  }
  return args;
}

function readResults(RESULTS_DIR) {
  if (!existsSync(RESULTS_DIR)) return { rows: [], files: [], problems: [] };
  const rows = [];
  const files = [];
  const problems = [];
  for (const name of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const file = join(RESULTS_DIR, name);
    let data;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push(`${name}: not JSON (${error.message})`);
      continue;
    }
    const list = Array.isArray(data) ? data : Array.isArray(data?.rows) ? data.rows : undefined;
    if (!list) {
      problems.push(`${name}: neither an array of rows nor { rows: [...] }`);
      continue;
    }
    let kept = 0;
    for (const row of list) {
      if (!row || typeof row.section !== 'string' || typeof row.case !== 'string') {
        problems.push(`${name}: a row without section or case`);
        continue;
      }
      rows.push({ ...row, runtime: String(row.runtime ?? ''), tried: String(row.tried ?? ''), held: row.held === true ? true : row.held === false ? false : null, file: name });
      kept++;
    }
    files.push({ name, rows: kept, mtime: statSync(file).mtime });
  }
  return { rows, files, problems };
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const figuresText = (figures) =>
  figures === undefined || figures === null ? '' : typeof figures === 'object' ? Object.entries(figures).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ') : String(figures);
const verdict = (held) => (held === true ? '✅' : held === false ? '❌' : 'n/a');
const unique = (list) => [...new Set(list)];

function runtimeOrder(runtimes) {
  const rank = (r) => (/^core/i.test(r) ? 0 : /node-red/i.test(r) ? 1 : /n8n/i.test(r) ? 2 : 3);
  return [...runtimes].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

function counts(rows) {
  return { held: rows.filter((r) => r.held === true).length, not: rows.filter((r) => r.held === false).length, na: rows.filter((r) => r.held === null).length };
}

function matrix(rows) {
  const runtimes = runtimeOrder(unique(rows.map((r) => r.runtime)));
  const cases = unique(rows.map((r) => r.case));
  const lines = [`| case | what was sent | ${runtimes.map(cell).join(' | ')} |`, `|---|---|${runtimes.map(() => '---').join('|')}|`];
  for (const id of cases) {
    const ofCase = rows.filter((r) => r.case === id);
    const tried = ofCase.find((r) => r.runtime.startsWith('core'))?.tried ?? ofCase[0].tried;
    const cells = runtimes.map((runtime) => {
      const row = ofCase.find((r) => r.runtime === runtime);
      return row ? `${verdict(row.held)} ${cell(figuresText(row.figures))}` : '–';
    });
    lines.push(`| \`${cell(id)}\` | ${cell(tried)} | ${cells.join(' | ')} |`);
  }
  const perRuntime = runtimes.map((runtime) => {
    const c = counts(rows.filter((r) => r.runtime === runtime));
    return `${runtime}: ${c.held} held, ${c.not} not held${c.na ? `, ${c.na} n/a` : ''}`;
  });
  return [`${cases.length} cases. ${perRuntime.join('; ')}.`, '', ...lines].join('\n');
}

function table(rows) {
  const lines = ['| runtime | what | tried | held | figures |', '|---|---|---|---|---|'];
  for (const row of rows) lines.push(`| ${cell(row.runtime)} | ${cell(row.case)} | ${cell(row.tried)} | ${verdict(row.held)} | ${cell(figuresText(row.figures))} |`);
  return lines.join('\n');
}

function notHeld(rows) {
  const failing = rows.filter((r) => r.held === false);
  if (failing.length === 0) return '';
  // One line per finding: cases that share a note are listed together.
  const groups = new Map();
  for (const row of failing) {
    const key = row.note ? `note:${row.note}` : `case:${row.case}`;
    const group = groups.get(key) ?? { cases: new Set(), runtimes: new Set(), note: row.note };
    group.cases.add(row.case);
    group.runtimes.add(row.runtime);
    groups.set(key, group);
  }
  const lines = ['**Did not hold:**', ''];
  for (const { cases, runtimes, note } of groups.values()) {
    lines.push(`- ${[...cases].map((c) => `\`${c}\``).join(', ')} (${[...runtimes].join('; ')})${note ? `: ${note}` : ''}`);
  }
  return lines.join('\n');
}

/**
 * The sections of the generated part of an existing document, by their ### title: what follows the
 * heading up to the next one, without the "from an earlier run" mark (added again when reused).
 */
function previousSections(path) {
  const sections = new Map();
  if (!existsSync(path)) return sections;
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return sections;
  const parts = text.slice(start + START.length, end).split(/^### /m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    const title = (newline < 0 ? part : part.slice(0, newline)).trim();
    const content = (newline < 0 ? '' : part.slice(newline + 1)).replace(EARLIER, '').trim();
    if (content && content !== 'not run') sections.set(title, content);
  }
  return sections;
}

function render({ rows, files, problems }, run, previous = new Map()) {
  const out = [];
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  out.push(`Generated by \`npm run hardening:report\` on ${stamp}${run ? ` after \`npm run test:hardening\` (exit code ${run.status})` : ' from the results already on disk'}.`);
  if (files.length > 0) out.push(`Sources: ${files.map((f) => `\`${f.name}\` (${f.rows} rows, ${f.mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC)`).join(', ')}.`);
  if (problems.length > 0) out.push(`Unreadable results: ${problems.join('; ')}.`);
  const c = counts(rows);
  const kept = [...SECTIONS.map(([id, title]) => [id, title])].filter(([id, title]) => !rows.some((r) => r.section === id) && previous.has(title));
  out.push('', `Overall${kept.length ? ' (the results files of this run)' : ''}: ${rows.length} results, ${c.held} held, ${c.not} did not hold, ${c.na} not applicable.`);
  if (kept.length) out.push(`Kept from an earlier run (no results file this time): ${kept.map(([, title]) => title).join(', ')}.`);

  const known = new Set(SECTIONS.map(([id]) => id));
  const others = unique(rows.map((r) => r.section)).filter((s) => !known.has(s));
  for (const [id, title, intro] of [...SECTIONS, ...others.map((s) => [s, s, ''])]) {
    const ofSection = rows.filter((r) => r.section === id);
    out.push('', `### ${title}`, '');
    if (ofSection.length === 0) {
      const earlier = previous.get(title);
      out.push(earlier ? `${EARLIER}\n\n${earlier}` : 'not run');
      continue;
    }
    if (intro) out.push(intro, '');
    out.push(id === 'bad-inputs' ? matrix(ofSection) : table(ofSection));
    const failing = notHeld(ofSection);
    if (failing) out.push('', failing);
  }
  return out.join('\n');
}

function writeReport(path, body) {
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (!text.includes(START) || !text.includes(END)) {
    text = text.trim() ? `${text.replace(/\s*$/, '\n')}\n${HEADING}\n\n${START}\n${END}\n` : `${HEADING}\n\n${START}\n${END}\n`;
  }
  const before = text.slice(0, text.indexOf(START) + START.length);
  const after = text.slice(text.indexOf(END));
  writeFileSync(path, `${before}\n${body}\n${after}`);
}

const args = parseArgs(process.argv.slice(2));
let run;
if (args.run) {
  console.log('Running npm run test:hardening …');
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'test:hardening'], { cwd: root, stdio: 'inherit' });
  run = { status: result.status ?? `signal ${result.signal}` };
  if (result.status !== 0) console.log(`npm run test:hardening ended with ${run.status}; the report shows what the results files say.`);
}
const body = render(readResults(args.results), run, previousSections(args.out));
if (args.print) {
  console.log(body);
} else {
  mkdirSync(dirname(args.out), { recursive: true });
  writeReport(args.out, body);
  console.log(`Wrote the hardening tables to ${relative(process.cwd(), args.out) || args.out}.`);
}
