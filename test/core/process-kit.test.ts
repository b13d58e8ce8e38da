/**
 * The guarantee the real-runtime harnesses rely on (test/helpers/process-kit.ts `spawnServer`): a server a
 * test starts dies when the test process dies, even by SIGKILL, together with everything it started, and
 * its folders go with it. A parent Node process stands in for the test process here: it starts a "server"
 * (which starts a child of its own) through spawnServer, and is then killed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let work: string;
let kit: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'devicehook-process-kit-'));
  kit = path.join(work, 'process-kit.cjs');
  await build({ entryPoints: [path.join(__dirname, '..', 'helpers', 'process-kit.ts')], outfile: kit, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its new parent) counts as gone.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/**
 * Starts the stand-in test process. Its server writes its own pid and its child's to `pids`, ignores
 * SIGTERM when `stubborn`; the parent stops it itself once it runs when `stopItself`.
 */
function startParent(name: string, options: { stubborn: boolean; graceMs: number; stopItself?: boolean }) {
  const dir = path.join(work, name);
  const folder = path.join(dir, 'user-folder');
  fs.mkdirSync(folder, { recursive: true });
  const pids = path.join(dir, 'pids.json');
  const server = `
const { spawn } = require('child_process');
${options.stubborn ? "process.on('SIGTERM', () => {});" : ''}
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
require('fs').writeFileSync(${JSON.stringify(pids)}, JSON.stringify({ server: process.pid, child: child.pid }));
setInterval(() => {}, 1000);
`;
  const parent = `
const kit = require(${JSON.stringify(kit)});
const fs = require('fs');
const child = kit.spawnServer(process.execPath, ['-e', ${JSON.stringify(server)}], { graceMs: ${options.graceMs}, cleanup: [${JSON.stringify(folder)}] });
${
  options.stopItself
    ? `setTimeout(async () => {
  // Once the server runs (it has written its pids), stop it as a test's afterAll would.
  while (!fs.existsSync(${JSON.stringify(pids)})) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 200));
  await kit.terminateGroup(child, 5000);
  // Processes whose parent we are and that still run: the watchdog must go with its server (it looks
  // every 500 ms), and nothing else may keep this process alive.
  const mine = () => fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
    try { const stat = fs.readFileSync('/proc/' + p + '/stat', 'utf8'); const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return f[1] === String(process.pid) && f[0] !== 'Z'; } catch { return false; }
  });
  const deadline = Date.now() + 5000;
  while (mine().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  console.log(JSON.stringify({ stopped: true, children: mine() }));
}, 500);`
    : 'setInterval(() => {}, 1000);'
}
`;
  const proc = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { proc, pids, folder, output: () => output };
}

const readPids = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { server: number; child: number };

describe('spawnServer', () => {
  it('a server and its child die, and its folder goes, when the test process is SIGKILLed', async () => {
    const parent = startParent('polite', { stubborn: false, graceMs: 5000 });
    expect(await until(() => fs.existsSync(parent.pids), 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { server, child } = readPids(parent.pids);
    expect(alive(server) && alive(child)).toBe(true);
    parent.proc.kill('SIGKILL');
    expect(await until(() => !alive(server) && !alive(child), 5000), `server ${server} / child ${child} still running`).toBe(true);
    expect(await until(() => !fs.existsSync(parent.folder), 3000)).toBe(true);
  }, 20_000);

  it('a server that ignores SIGTERM is SIGKILLed with its group once the grace period is over', async () => {
    const parent = startParent('stubborn', { stubborn: true, graceMs: 1000 });
    expect(await until(() => fs.existsSync(parent.pids), 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { server, child } = readPids(parent.pids);
    parent.proc.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alive(server)).toBe(true); // still within the grace period
    expect(await until(() => !alive(server) && !alive(child), 5000), `server ${server} / child ${child} still running`).toBe(true);
  }, 20_000);

  it('stopped by the test, the server leaves no watchdog behind, and the test process can exit', async () => {
    const parent = startParent('stopped', { stubborn: false, graceMs: 5000, stopItself: true });
    const code = await new Promise<number | null>((resolve) => parent.proc.on('exit', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(parent.output())).toEqual({ stopped: true, children: [] });
    const { server, child } = readPids(parent.pids);
    expect(alive(server) || alive(child)).toBe(false);
  }, 20_000);
});

