/**
 * What the real-runtime harnesses (node-red-runtime.ts, n8n-runtime.ts, n8n-queue.ts) share: child
 * processes with a clean environment, free ports, a cross-process install lock, servers that die with the
 * test process (`spawnServer`), and stopping a process together with its group.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The end of a long text (a log), for error messages. */
export function tail(text: string, chars = 20_000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Variables of a developer's shell that would change the n8n under test. */
export const N8N_VARIABLES = /^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_)|^WEBHOOK_URL$/;

/**
 * Environment for child npm/node processes, without what the parent test runner put there: npm_* (set
 * under `npm run`) would redirect a nested `npm install`; NODE_OPTIONS / VITEST* / NODE_ENV / NODE_PATH
 * belong to the test runner (loaders or flags for Node 20 must not leak into a Node 24 runtime). `strip`
 * drops more (e.g. {@link N8N_VARIABLES}); `extra` is applied last, `undefined` deleting a variable.
 */
export function childEnv(options: { strip?: RegExp; extra?: Record<string, string | undefined> } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || /^VITEST/.test(key) || key === 'NODE_OPTIONS' || key === 'NODE_ENV' || key === 'NODE_PATH') continue;
    if (options.strip?.test(key)) continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(options.extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface RunResult {
  code: number | null;
  /** stdout and stderr, interleaved. */
  output: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; the output then says so. */
  timeoutMs?: number;
  uid?: number;
  gid?: number;
}

/** Runs a command to its end and collects its output. Rejects only when it cannot be spawned. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? os.tmpdir(),
      env: options.env ?? childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = options.timeoutMs
      ? setTimeout(() => {
          output += `\n[harness] ${command} timed out after ${options.timeoutMs} ms, killed\n`;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A port free on 127.0.0.1 now, none of `reserved` (n8n's defaults, say) nor `avoid` (already handed out). */
export async function freePort(reserved: ReadonlySet<number> = new Set(), avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.unref();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!reserved.has(port) && !avoid.has(port)) return port;
  }
}

export interface LockOptions {
  /** Says what it waits for (installs are slow enough that a silent minute looks like a hang). */
  progress: (message: string) => void;
  /** A lock older than this is taken as abandoned. @defaultValue 30 minutes (an n8n install takes 3–8) */
  staleMs?: number;
  /** @defaultValue 30 minutes */
  waitMs?: number;
}

/**
 * Cross-process lock: mkdir is atomic, so exactly one process (vitest runs files in workers, and the
 * harnesses share the Node 24 install) installs into a folder while the others wait. A lock whose owner
 * died, or that is older than `staleMs`, is taken over.
 */
export async function withLock<T>(lockDir: string, label: string, body: () => Promise<T>, options: LockOptions): Promise<T> {
  const ownerFile = path.join(lockDir, 'owner.json');
  const staleMs = options.staleMs ?? 30 * 60_000;
  const deadline = Date.now() + (options.waitMs ?? 30 * 60_000);
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, at: Date.now() }));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readJson<{ pid: number; at: number }>(ownerFile);
    let ageMs = Date.now() - (owner?.at ?? 0);
    if (!owner) {
      // The owner may be between mkdir and writeFile: judge by the directory's age instead.
      try {
        ageMs = Date.now() - fs.statSync(lockDir).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
    }
    if ((owner && !isAlive(owner.pid)) || ageMs > staleMs) {
      options.progress(`removing abandoned install lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${lockDir}`);
    if (!announced) {
      options.progress(`waiting for another process installing ${label} (lock ${lockDir})`);
      announced = true;
    }
    await sleep(1000);
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Signals a process started with `detached: true` together with its group (n8n and its task runner). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * `signal` (default SIGTERM: the process shuts down gracefully; PostgreSQL wants SIGINT), SIGKILL to its
 * group after `graceMs`, and then SIGKILL to whatever is left of the group (a task runner that outlived it).
 */
export async function terminateGroup(child: ChildProcess, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    if (!(await waitForExit(child, graceMs))) {
      killGroup(child, 'SIGKILL');
      await waitForExit(child, 5000);
    }
  }
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // none left
    }
  }
}

/**
 * The watchdog `spawnServer` starts beside each server: a plain Node process in a group of its own, whose
 * stdin is a pipe from the test process. When that pipe closes (the test process died, however: the OS
 * closes its end) or the watchdog finds itself reparented (checked every 500 ms), it signals the server's
 * whole process group, SIGKILLs whatever is left after `graceMs`, removes the given folders and exits. When
 * the server's group is gone first (stopped by the test), it exits too.
 * `graceMs` here is the orphan grace ({@link ServerSpawnOptions.orphanGraceMs}, 1 s), not the stop grace:
 * nobody waits for an orderly shutdown any more and the folders go anyway, so n8n (which takes up to its
 * 20 s stop grace to shut down on SIGTERM) no longer outlives a killed test run by 20 s. The second is for
 * PostgreSQL, whose fast shutdown (SIGINT) removes its shared memory segment.
 * argv: pgid, signal, graceMs, JSON array of folders to remove.
 */
const WATCHDOG_SOURCE = `'use strict';
const fs = require('fs');
const [pgid, signal, graceMs, dirs] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3]), JSON.parse(process.argv[4])];
const parent = process.ppid;
const groupAlive = () => { try { process.kill(-pgid, 0); return true; } catch (err) { return err.code === 'EPERM'; } };
const signalGroup = (sig) => { try { process.kill(-pgid, sig); } catch {} };
const removeDirs = () => { if (!process.env.DEVICEHOOK_KEEP_USERDIR) for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} } };
let firing = false;
function fire() {
  if (firing) return;
  firing = true;
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  const poll = setInterval(() => {
    if (groupAlive() && Date.now() < deadline) return;
    clearInterval(poll);
    signalGroup('SIGKILL');
    setTimeout(() => { removeDirs(); process.exit(0); }, 200);
  }, 100);
}
process.stdin.on('end', fire);
process.stdin.on('close', fire);
process.stdin.on('error', fire);
process.stdin.resume();
setInterval(() => {
  if (firing) return;
  if (process.ppid !== parent) return fire();
  if (!groupAlive()) process.exit(0);
}, 500);
`;

/** See {@link ServerSpawnOptions.orphanGraceMs}. */
export const ORPHAN_GRACE_MS = 1000;

export interface ServerSpawnOptions extends Omit<SpawnOptions, 'detached' | 'stdio' | 'signal'> {
  /** What the watchdog sends the group first when the test process is gone. @defaultValue SIGTERM */
  stopSignal?: NodeJS.Signals;
  /** How long the group gets to end after `signal` before SIGKILL, when the test stops it (terminateGroup). */
  graceMs: number;
  /**
   * How long the group gets when the test process died (the watchdog fires). Capped by `graceMs`.
   * @defaultValue 1000
   */
  orphanGraceMs?: number;
  /** Folders the watchdog removes once the group is dead (kept with DEVICEHOOK_KEEP_USERDIR). */
  cleanup?: string[];
}

/**
 * Starts a server that cannot outlive the test process: in a process group of its own (detached: so it and
 * everything it starts — n8n's task runner, PostgreSQL's backends — can be signalled together, and a
 * terminal's Ctrl-C reaches only the test process), with a watchdog process (above) that kills that group
 * when the test process dies, even by SIGKILL. stdin is ignored, stdout and stderr are pipes.
 * Stop it with {@link terminateGroup}.
 */
export function spawnServer(command: string, args: string[], options: ServerSpawnOptions): ChildProcess {
  const { stopSignal = 'SIGTERM', graceMs, orphanGraceMs = ORPHAN_GRACE_MS, cleanup = [], ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) return child; // the 'error' event says why
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(child.pid), stopSignal, String(Math.min(graceMs, orphanGraceMs)), JSON.stringify(cleanup)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '', ...(process.env.DEVICEHOOK_KEEP_USERDIR ? { DEVICEHOOK_KEEP_USERDIR: process.env.DEVICEHOOK_KEEP_USERDIR } : {}) },
  });
  watchdog.on('error', () => undefined);
  // Neither the watchdog nor our end of its stdin may keep the test process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}
