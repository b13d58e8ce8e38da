/**
 * A real n8n in queue mode for the hardening suite (n8n's queue-mode docs, https://docs.n8n.io/hosting/scaling/queue-mode/):
 * Redis (Debian's redis-server) and PostgreSQL (Debian's postgresql-15) as throwaway servers on free ports in
 * temporary folders, and three n8n 2.41.1 processes on Node 24 sharing them and one N8N_ENCRYPTION_KEY:
 *   - main     `n8n start`   (EXECUTIONS_MODE=queue): editor/REST, activates published workflows, and — unless
 *                            N8N_DISABLE_PRODUCTION_MAIN_PROCESS — also serves production webhooks;
 *   - webhook  `n8n webhook`: production webhooks only; puts each execution on the Bull queue in Redis;
 *   - worker   `n8n worker`:  takes executions off the queue and runs them.
 * Each process has a userFolder of its own with our package installed from its release tarball with the
 * README's command (installN8nPackage). Every server runs under process-kit's spawnServer: its own process
 * group, killed by a watchdog process if the test process dies.
 * Credentials and workflows are imported and published with n8n's CLI before the main process starts.
 *
 * Reuses test/helpers/n8n-runtime.ts for the n8n install (`ensureN8n`) and its types; process wiring,
 * the Postgres reads and the small helpers it keeps private are written (or copied) here.
 *
 * Missing servers are installed with apt-get (through sudo when not root), as CI machines start clean.
 * PostgreSQL refuses to run as root: as root, initdb and postgres run as the `postgres` user the Debian
 * package creates (spawn's uid/gid); as any other user, as that user.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ensureN8n, executionOfRow, installN8nPackage, type ExecutionRow, type N8nCredential, type N8nExecution, type N8nInstall, type N8nVersion, type N8nWorkflow } from './n8n-runtime';
import {
  childEnv as cleanEnv,
  freePort as freePortAvoiding,
  N8N_VARIABLES,
  run as runCommand,
  sleep,
  spawnServer,
  tail,
  terminateGroup,
  type RunOptions,
  type RunResult,
} from './process-kit';
import { releaseTarballs } from './release-tarballs';

const LOG_PREFIX = '[n8n-queue]';
export const QUEUE_ENCRYPTION_KEY = 'devicehook-queue-encryption-key';
const READY_TIMEOUT_MS = 180_000;
const STOP_GRACE_MS = 20_000;
const CLI_TIMEOUT_MS = 180_000;
const MAX_LOG_CHARS = 4_000_000;
const RESERVED_PORTS = new Set([5678, 5679, 5432, 6379]);

export type N8nRole = 'main' | 'webhook' | 'worker';

export interface QueueStackOptions {
  version?: N8nVersion;
  credentials?: N8nCredential[];
  /** Published unless `active: false`. */
  workflows?: N8nWorkflow[];
  /** Extra environment for every n8n process and CLI call, applied last. */
  env?: Record<string, string>;
  /** `n8n worker --concurrency`. @defaultValue 5 */
  workerConcurrency?: number;
  /** The package tarball to install; default: the release tarball (releaseTarballs().n8n). */
  tarball?: string;
}

export interface N8nQueueProcess {
  role: N8nRole;
  /** http://127.0.0.1:<port> of its HTTP server (the worker's: its health server). */
  url: string;
  port: number;
  userFolder: string;
  readonly pid: number | undefined;
  logs(): string;
  alive(): boolean;
}

export interface QueueStack {
  install: N8nInstall;
  main: N8nQueueProcess;
  webhook: N8nQueueProcess;
  worker: N8nQueueProcess;
  redis: { port: number; version: string };
  postgres: { port: number; version: string };
  /** A production webhook URL on the webhook processor (default) or on the main process. */
  webhookUrl(webhookId: string, via?: 'webhook' | 'main', webhookPath?: string): string;
  /** Rows of a query on n8n's Postgres database, as JSON objects (columns by name). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Executions (optionally of one workflow), oldest first: as N8nRuntime.executions() reads them from sqlite. */
  executions(workflowId?: string): Promise<N8nExecution[]>;
  /** Waits until the workflow has at least `count` finished executions (then `settleMs` more) and returns them all. */
  waitForExecutions(workflowId: string, count: number, options?: { timeoutMs?: number; settleMs?: number }): Promise<N8nExecution[]>;
  /** Execution ids a process's log says it ran ("Worker started execution <id>"; only a worker logs it). */
  executionsRunBy(role: N8nRole): number[];
  /** Execution ids a process's log says it put on the queue ("Enqueued execution <id>"). */
  executionsEnqueuedBy(role: N8nRole): number[];
  /** The workflow's static data as saved in the database. */
  staticData(workflowId: string): Promise<Record<string, unknown>>;
  /** Stops the n8n processes (worker, webhook, main), then Redis and Postgres, and removes the folders. */
  stop(): Promise<void>;
}

function progress(message: string): void {
  console.log(`${LOG_PREFIX} ${message}`);
}

/** The parent's environment without what would change the n8n under test (as n8n-runtime.ts does). */
function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ strip: N8N_VARIABLES, extra });
}

const freePort = (avoid: ReadonlySet<number>) => freePortAvoiding(RESERVED_PORTS, avoid);

const run = (command: string, args: string[], options: RunOptions = {}): Promise<RunResult> => runCommand(command, args, { env: childEnv(), ...options });

// ---------------------------------------------------------------------------------------------------------
// Servers: install when missing

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function which(binary: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const file = found.stdout.trim();
  return found.status === 0 && file ? file : undefined;
}

/** apt-get install (as root, or through sudo), with one `apt-get update` when the first try fails. */
async function aptInstall(packages: string[]): Promise<void> {
  const sudo = isRoot() ? [] : ['sudo', '-n'];
  if (!isRoot() && !which('sudo')) throw new Error(`${LOG_PREFIX} ${packages.join(' ')} missing, and neither root nor sudo to apt-get install it`);
  const apt = async (args: string[]) => {
    const [command, ...rest] = [...sudo, 'apt-get', ...args];
    return run(command!, rest, { env: childEnv({ DEBIAN_FRONTEND: 'noninteractive' }), timeoutMs: 15 * 60_000 });
  };
  progress(`apt-get install -y ${packages.join(' ')}…`);
  let result = await apt(['install', '-y', '--no-install-recommends', ...packages]);
  if (result.code !== 0) {
    await apt(['update']);
    result = await apt(['install', '-y', '--no-install-recommends', ...packages]);
  }
  if (result.code !== 0) throw new Error(`${LOG_PREFIX} apt-get install ${packages.join(' ')} failed (${result.code}):\n${tail(result.output)}`);
}

async function ensureRedis(): Promise<string> {
  let binary = which('redis-server');
  if (!binary) {
    await aptInstall(['redis-server']);
    binary = which('redis-server');
  }
  if (!binary) throw new Error(`${LOG_PREFIX} redis-server not found after installing it`);
  return binary;
}

/** The bin folder of an installed PostgreSQL server (Debian layout), 15 preferred. */
function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'postgres')) && fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const chosen = versions.includes('15') ? '15' : versions[0];
  return chosen ? path.join(base, chosen, 'bin') : undefined;
}

async function ensurePostgres(): Promise<string> {
  let bin = postgresBin();
  if (!bin) {
    try {
      await aptInstall(['postgresql-15']);
    } catch (err) {
      // Not in every release's archive (Ubuntu 24.04 has 16): the distribution's default will do.
      progress(`postgresql-15 not installable (${(err as Error).message.split('\n')[0]}); trying the distribution's postgresql`);
      await aptInstall(['postgresql']);
    }
    bin = postgresBin();
  }
  if (!bin) throw new Error(`${LOG_PREFIX} no PostgreSQL server under /usr/lib/postgresql/*/bin after installing it`);
  return bin;
}

/** uid/gid to run PostgreSQL with: the `postgres` user when we are root (initdb refuses root), else ourselves. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`${LOG_PREFIX} running as root but there is no "postgres" user (the Debian package creates it) to run PostgreSQL as`);
  }
}

/**
 * Runs a server in its own process group under process-kit's watchdog (spawnServer), so no Redis or
 * Postgres outlives the tests however this process dies: the watchdog sends `signal`, SIGKILL after 1 s,
 * and removes `cleanup`. Stop it with {@link stopGuarded}.
 */
function spawnGuarded(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; signal?: 'TERM' | 'INT'; cwd?: string; cleanup?: string[] }): ChildProcess {
  return spawnServer(command, args, {
    cwd: options.cwd ?? os.tmpdir(),
    env: options.env ?? childEnv(),
    stopSignal: `SIG${options.signal ?? 'TERM'}`,
    graceMs: GUARD_GRACE_MS,
    cleanup: options.cleanup ?? [],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
}

const GUARD_GRACE_MS = 10_000;
const stopGuarded = (child: ChildProcess, signal: 'TERM' | 'INT' = 'TERM') => terminateGroup(child, GUARD_GRACE_MS, `SIG${signal}`);

interface Server {
  port: number;
  version: string;
  logs(): string;
  stop(): Promise<void>;
}

async function startRedis(dir: string, avoid: Set<number>): Promise<Server> {
  const binary = await ensureRedis();
  const version = /v=(\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
  const port = await freePort(avoid);
  avoid.add(port);
  const dataDir = path.join(dir, 'redis');
  fs.mkdirSync(dataDir, { recursive: true });
  const child = spawnGuarded(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir, '--daemonize', 'no'], {});
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
      socket.on('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.on('error', () => resolve(false));
      socket.setTimeout(1000, () => {
        socket.destroy();
        resolve(false);
      });
    });
    if (pong) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${LOG_PREFIX} redis-server on ${port} did not start:\n${tail(log)}`);
    await sleep(100);
  }
  return {
    port,
    version,
    logs: () => log,
    async stop() {
      await stopGuarded(child);
    },
  };
}

interface PostgresServer extends Server {
  psql(sql: string, database?: string): Promise<string>;
}

async function startPostgres(dir: string, avoid: Set<number>): Promise<PostgresServer> {
  const bin = await ensurePostgres();
  const user = postgresUser();
  const version = execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().replace(/^postgres \(PostgreSQL\) /, '');
  const port = await freePort(avoid);
  avoid.add(port);
  const root = path.join(dir, 'postgres');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(root, { recursive: true });
  // The folder above must be reachable by the postgres user (mkdtemp makes it 0700).
  fs.chmodSync(dir, 0o755);
  if (user) fs.chownSync(root, user.uid, user.gid);
  const env = childEnv({ LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: root });
  const init = await run(path.join(bin, 'initdb'), ['-D', dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-locale', '--no-sync'], {
    env,
    cwd: root,
    timeoutMs: 120_000,
    ...(user ?? {}),
  });
  if (init.code !== 0) throw new Error(`${LOG_PREFIX} initdb failed (${init.code}):\n${tail(init.output)}`);
  // A throwaway cluster: durability off, enough connections for three n8n processes' pools.
  const child = spawnGuarded(
    path.join(bin, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    { env, cwd: root, signal: 'INT', cleanup: [dir], ...(user ?? {}) },
  );
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const psqlBin = path.join(bin, 'psql');
  const psql = async (sql: string, database = 'n8n'): Promise<string> => {
    const result = await run(psqlBin, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      env: childEnv({ PGCONNECT_TIMEOUT: '5' }),
      timeoutMs: 120_000,
    });
    if (result.code !== 0) throw new Error(`${LOG_PREFIX} psql failed (${result.code}): ${result.output}\n${sql}`);
    return result.output;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await psql('select 1', 'postgres');
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${LOG_PREFIX} postgres on ${port} did not start: ${(err as Error).message}\n${tail(log)}`);
      await sleep(200);
    }
  }
  await psql('create database n8n', 'postgres');
  return {
    port,
    version,
    logs: () => log,
    psql,
    async stop() {
      await stopGuarded(child, 'INT');
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// n8n processes

const terminate = (child: ChildProcess) => terminateGroup(child, STOP_GRACE_MS);

const live = new Set<() => Promise<void>>();
/** Folders of stacks still running, removed however this process exits (the watchdogs remove them if it is killed). */
const roots = new Set<string>();
let exitHook = false;

/** Removes the folders of stacks still running when this process exits (once per process). */
function removeRootsOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    if (process.env.DEVICEHOOK_KEEP_USERDIR) return;
    for (const dir of roots) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // a server still writing there; the OS cleans /tmp
      }
    }
  });
}

/** A stack's folder, the ports it took, and what stops it: each server started pushes its stop onto `cleanups`. */
interface StackScope {
  root: string;
  ports: Set<number>;
  cleanups: Array<() => Promise<void>>;
  /** Runs the cleanups last first, once, and removes the folder. */
  stop(): Promise<void>;
}

function openStackScope(version: N8nVersion): StackScope {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `devicehook-n8n-queue-${version}-`));
  const cleanups: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    live.delete(stop);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    roots.delete(root);
    if (!process.env.DEVICEHOOK_KEEP_USERDIR) fs.rmSync(root, { recursive: true, force: true });
  };
  live.add(stop);
  roots.add(root);
  removeRootsOnExit();
  return { root, ports: new Set<number>(), cleanups, stop };
}

/** Redis, then PostgreSQL, each stopped by the scope. */
async function startServices(scope: StackScope): Promise<{ redis: Server; postgres: PostgresServer }> {
  const started = Date.now();
  const redis = await startRedis(scope.root, scope.ports);
  scope.cleanups.push(() => redis.stop());
  const postgres = await startPostgres(scope.root, scope.ports);
  scope.cleanups.push(() => postgres.stop());
  progress(`Redis ${redis.version} on ${redis.port}, PostgreSQL ${postgres.version} on ${postgres.port} (${Date.now() - started} ms)`);
  return { redis, postgres };
}

interface StackPorts {
  /** HTTP ports: main's, the webhook processor's, the worker's health server. */
  http: Record<N8nRole, number>;
  /** Each process's task-runner broker. */
  brokers: Record<N8nRole, number>;
}

async function allocatePorts(ports: Set<number>): Promise<StackPorts> {
  const take = async () => {
    const p = await freePort(ports);
    ports.add(p);
    return p;
  };
  const http = { main: await take(), webhook: await take(), worker: await take() };
  const brokers = { main: await take(), webhook: await take(), worker: await take() };
  return { http, brokers };
}

const urlOf = (p: number) => `http://127.0.0.1:${p}`;

/** The environment of an n8n process (and of the CLI, as main) in this stack. */
function queueEnv(install: N8nInstall, ports: StackPorts, services: { redis: Server; postgres: Server }, extra: Record<string, string> | undefined) {
  return (role: N8nRole, userFolder: string): NodeJS.ProcessEnv =>
    childEnv({
      PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
      N8N_USER_FOLDER: userFolder,
      N8N_LISTEN_ADDRESS: '127.0.0.1',
      N8N_HOST: '127.0.0.1',
      N8N_PROTOCOL: 'http',
      N8N_PORT: String(role === 'webhook' ? ports.http.webhook : ports.http.main),
      // The production URL n8n shows and hands to triggers: the webhook processor's, as behind a load balancer.
      WEBHOOK_URL: `${urlOf(ports.http.webhook)}/`,
      N8N_RUNNERS_BROKER_PORT: String(ports.brokers[role]),
      N8N_ENCRYPTION_KEY: QUEUE_ENCRYPTION_KEY,
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_TEMPLATES_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
      N8N_SECURE_COOKIE: 'false',
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
      N8N_LOG_LEVEL: 'info',
      EXECUTIONS_MODE: 'queue',
      QUEUE_BULL_REDIS_HOST: '127.0.0.1',
      QUEUE_BULL_REDIS_PORT: String(services.redis.port),
      QUEUE_HEALTH_CHECK_ACTIVE: role === 'worker' ? 'true' : 'false',
      QUEUE_HEALTH_CHECK_PORT: String(ports.http.worker),
      DB_TYPE: 'postgresdb',
      DB_POSTGRESDB_HOST: '127.0.0.1',
      DB_POSTGRESDB_PORT: String(services.postgres.port),
      DB_POSTGRESDB_DATABASE: 'n8n',
      DB_POSTGRESDB_USER: 'postgres',
      DB_POSTGRESDB_PASSWORD: '',
      ...extra,
    });
}

/** A folder per process, each with the package installed from the tarball with the README's command. */
async function prepareFolders(root: string, install: N8nInstall, tarball: string): Promise<Record<N8nRole, string>> {
  const folders = {} as Record<N8nRole, string>;
  for (const role of ['main', 'webhook', 'worker'] as const) {
    folders[role] = path.join(root, role);
    fs.mkdirSync(folders[role]);
    await installN8nPackage(tarball, folders[role], install.nodeBin);
  }
  return folders;
}

/** n8n's CLI as the main process would run it; everything it printed is kept in `log`. */
function queueCli(install: N8nInstall, folder: string, env: NodeJS.ProcessEnv) {
  const cli = {
    log: '',
    async run(args: string[]): Promise<string> {
      const t = Date.now();
      const { code, output } = await run(install.nodeBin, [install.n8nBin, ...args], { cwd: folder, env, timeoutMs: CLI_TIMEOUT_MS });
      cli.log += `${LOG_PREFIX} $ n8n ${args.join(' ')} (${Date.now() - t} ms, exit ${code})\n${output}\n`;
      if (code !== 0 || /An error occurred|Error updating database|^Error:/m.test(output)) throw new Error(`${LOG_PREFIX} n8n ${args.join(' ')} failed (exit ${code}):\n${tail(output)}`);
      return output;
    },
  };
  return cli;
}

/** Imports the credentials and workflows and publishes the active ones, before any process runs (the CLI runs the migrations on first use). */
async function importAndPublish(cli: ReturnType<typeof queueCli>, importDir: string, credentials: N8nCredential[], workflows: N8nWorkflow[]): Promise<void> {
  fs.mkdirSync(importDir);
  if (credentials.length > 0) {
    const file = path.join(importDir, 'credentials.json');
    fs.writeFileSync(file, JSON.stringify(credentials, null, 2));
    const out = await cli.run(['import:credentials', `--input=${file}`]);
    if (!out.includes(`Successfully imported ${credentials.length} credential`)) throw new Error(`${LOG_PREFIX} import:credentials:\n${tail(out)}`);
  }
  if (workflows.length > 0) {
    const file = path.join(importDir, 'workflows.json');
    fs.writeFileSync(file, JSON.stringify(workflows.map((wf) => ({ settings: {}, pinData: {}, ...wf, active: false })), null, 2));
    const out = await cli.run(['import:workflow', `--input=${file}`]);
    if (!out.includes(`Successfully imported ${workflows.length} workflow`)) throw new Error(`${LOG_PREFIX} import:workflow:\n${tail(out)}`);
    for (const wf of workflows) if (wf.active !== false) await cli.run(['publish:workflow', `--id=${wf.id}`]);
  } else if (credentials.length === 0) {
    await cli.run(['list:workflow']);
  }
}

type Query = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;

/** Rows of a query on n8n's Postgres database, as JSON objects. */
function postgresQuery(postgres: PostgresServer): Query {
  return async <T = Record<string, unknown>>(sql: string): Promise<T[]> => {
    const out = await postgres.psql(`select coalesce(json_agg(t), '[]'::json) from (${sql}) t`);
    return JSON.parse(out.trim() || '[]') as T[];
  };
}

/**
 * Starts one n8n process of the stack in its own process group (n8n and its task runner) under
 * process-kit's watchdog; the scope stops it.
 */
function spawnN8nProcess(
  scope: StackScope,
  install: N8nInstall,
  spec: { role: N8nRole; args: string[]; folder: string; env: NodeJS.ProcessEnv; port: number; initialLog?: string },
): N8nQueueProcess {
  const { role } = spec;
  let log = spec.initialLog ?? '';
  const child = spawnServer(install.nodeBin, [install.n8nBin, ...spec.args], { cwd: spec.folder, env: spec.env, graceMs: STOP_GRACE_MS, cleanup: [spec.folder] });
  const append = (chunk: Buffer | string) => {
    log += chunk.toString();
    if (log.length > MAX_LOG_CHARS) log = log.slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.on('exit', (code, signal) => append(`${LOG_PREFIX} ${role} process ${child.pid ?? '?'} ended: exit code ${code ?? '-'} signal ${signal ?? '-'}\n`));
  scope.cleanups.push(() => terminate(child));
  return {
    role,
    url: urlOf(spec.port),
    port: spec.port,
    userFolder: spec.folder,
    get pid() {
      return child.pid;
    },
    logs: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Waits until the process answers its readiness check and `extra` (when given) has nothing left to wait for. */
async function waitReady(proc: N8nQueueProcess, extra?: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`${LOG_PREFIX} n8n ${proc.role} ended while starting:\n${tail(proc.logs())}`);
    try {
      const res = await fetch(`${proc.url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        const pending = extra ? await extra() : undefined;
        if (!pending) return;
        last = pending;
      } else last = `readiness HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${LOG_PREFIX} n8n ${proc.role} not ready within ${READY_TIMEOUT_MS / 1000} s (last: ${last}):\n${tail(proc.logs())}`);
}

/** What the main process still waits for: published workflows whose triggers it has not activated yet (2.40.x's publication outbox), then its editor. */
async function activationPending(query: Query, main: N8nQueueProcess): Promise<string | undefined> {
  const expected = await query<{ id: string; name: string; activeVersionId: string }>('select id, name, "activeVersionId" from workflow_entity where "activeVersionId" is not null');
  const pending = await query<{ workflowId: string }>(`select "workflowId" from workflow_publication_outbox where status in ('pending', 'in_progress')`);
  const statuses = await query<{ workflowId: string; versionId: string; status: string; errorMessage: string | null }>(
    'select "workflowId", "versionId", status, "errorMessage" from workflow_publication_trigger_status',
  );
  const failures: string[] = [];
  const notReady: string[] = [];
  for (const wf of expected) {
    const mine = statuses.filter((s) => s.workflowId === wf.id && s.versionId === wf.activeVersionId);
    if (mine.length === 0 || pending.some((p) => p.workflowId === wf.id)) notReady.push(wf.id);
    for (const s of mine) if (s.status !== 'activated' && s.status !== 'pending') failures.push(`${wf.name} (${wf.id}): ${s.status} ${s.errorMessage ?? ''}`);
  }
  if (failures.length > 0) throw new Error(`${LOG_PREFIX} workflows not activated: ${failures.join('; ')}`);
  if (notReady.length > 0) return `waiting for the activation of ${notReady.join(', ')}`;
  return main.logs().includes('Editor is now accessible') ? undefined : 'waiting for "Editor is now accessible"';
}

/** How to start each role's process (its folder, environment and HTTP port). */
type RoleLauncher = (role: N8nRole, args: string[], initialLog?: string) => N8nQueueProcess;

function roleLauncher(scope: StackScope, install: N8nInstall, folders: Record<N8nRole, string>, ports: StackPorts, envFor: ReturnType<typeof queueEnv>): RoleLauncher {
  return (role, args, initialLog) =>
    spawnN8nProcess(scope, install, { role, args, folder: folders[role], env: envFor(role, folders[role]), port: ports.http[role], initialLog });
}

/** `n8n start`: ready once every published workflow is activated and the editor is up. Its log starts with the CLI's. */
async function startMain(launch: RoleLauncher, query: Query, cliLog: string): Promise<N8nQueueProcess> {
  const t0 = Date.now();
  const main = launch('main', ['start'], cliLog);
  await waitReady(main, () => activationPending(query, main));
  progress(`main ready on ${main.url} in ${Date.now() - t0} ms`);
  return main;
}

/** `n8n webhook` and `n8n worker`, started together, each ready once its log says so. */
async function startWebhookAndWorker(launch: RoleLauncher, concurrency: number): Promise<{ webhook: N8nQueueProcess; worker: N8nQueueProcess }> {
  const webhook = launch('webhook', ['webhook']);
  const worker = launch('worker', ['worker', `--concurrency=${concurrency}`]);
  await Promise.all([
    waitReady(webhook, async () => (webhook.logs().includes('Webhook listener waiting for requests') ? undefined : 'waiting for the webhook listener')),
    waitReady(worker, async () => (worker.logs().includes('n8n worker is now ready') ? undefined : 'waiting for "n8n worker is now ready"')),
  ]);
  return { webhook, worker };
}

const DONE = new Set(['success', 'error', 'canceled', 'crashed']);

/** The stack's reads and its stop, over running processes. */
function queueStackApi(
  install: N8nInstall,
  processes: Record<N8nRole, N8nQueueProcess>,
  services: { redis: Server; postgres: Server },
  query: Query,
  stop: () => Promise<void>,
): QueueStack {
  const flatted = createRequire(install.n8nBin)('flatted') as { parse(text: string): unknown };
  const executions = async (workflowId?: string): Promise<N8nExecution[]> => {
    const where = workflowId ? `where e."workflowId" = '${workflowId.replace(/'/g, "''")}'` : '';
    const rows = await query<ExecutionRow>(
      `select e.id, e."workflowId", e.status, e.mode, e.finished, e."startedAt", e."stoppedAt", d.data
         from execution_entity e left join execution_data d on d."executionId" = e.id ${where} order by e.id`,
    );
    return rows.map((row) => executionOfRow(row, flatted));
  };
  return {
    install,
    main: processes.main,
    webhook: processes.webhook,
    worker: processes.worker,
    redis: { port: services.redis.port, version: services.redis.version },
    postgres: { port: services.postgres.port, version: services.postgres.version },
    webhookUrl: (webhookId, via = 'webhook', webhookPath = 'webhook') => `${(via === 'main' ? processes.main : processes.webhook).url}/webhook/${webhookId}/${webhookPath}`,
    query,
    executions,
    async waitForExecutions(workflowId, count, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
      for (;;) {
        const all = await executions(workflowId);
        if (all.filter((e) => DONE.has(e.status)).length >= count) {
          await sleep(opts.settleMs ?? 500);
          return executions(workflowId);
        }
        if (Date.now() > deadline) {
          throw new Error(`${LOG_PREFIX} ${workflowId}: ${all.length} executions (${all.map((e) => e.status).join(', ')}), waited for ${count} finished ones\n--- worker ---\n${tail(processes.worker.logs(), 6000)}`);
        }
        await sleep(200);
      }
    },
    executionsRunBy: (role) => [...processes[role].logs().matchAll(/Worker started execution (\d+)/g)].map((m) => Number(m[1])),
    executionsEnqueuedBy: (role) => [...processes[role].logs().matchAll(/Enqueued execution (\d+)/g)].map((m) => Number(m[1])),
    async staticData(workflowId) {
      const [row] = await query<{ staticData: Record<string, unknown> | null }>(`select "staticData" from workflow_entity where id = '${workflowId.replace(/'/g, "''")}'`);
      return row?.staticData ?? {};
    },
    stop,
  };
}

/**
 * Starts Redis, Postgres and n8n main + webhook processor + worker in queue mode, with the given workflows
 * published. Every server runs in its own process group under a watchdog (process-kit's spawnServer), so
 * none outlives this process; `stop()` (or stopAllQueueStacks) stops them in reverse order.
 */
export async function startQueueStack(options: QueueStackOptions = {}): Promise<QueueStack> {
  const version = options.version ?? '2.41.1';
  const install = await ensureN8n(version);
  const scope = openStackScope(version);
  try {
    const started = Date.now();
    const services = await startServices(scope);
    const ports = await allocatePorts(scope.ports);
    const envFor = queueEnv(install, ports, services, options.env);
    const folders = await prepareFolders(scope.root, install, options.tarball ?? releaseTarballs().n8n);
    const cli = queueCli(install, folders.main, envFor('main', folders.main));
    await importAndPublish(cli, path.join(scope.root, 'import'), options.credentials ?? [], options.workflows ?? []);
    const query = postgresQuery(services.postgres);
    const launch = roleLauncher(scope, install, folders, ports, envFor);

    const main = await startMain(launch, query, cli.log);
    const t1 = Date.now();
    const { webhook, worker } = await startWebhookAndWorker(launch, options.workerConcurrency ?? 5);
    progress(`webhook processor on ${webhook.url} and worker (health ${worker.url}) ready in ${Date.now() - t1} ms; stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return queueStackApi(install, { main, webhook, worker }, services, query, scope.stop);
  } catch (err) {
    await scope.stop();
    throw err;
  }
}

/** Stops every queue stack this process started. */
export async function stopAllQueueStacks(): Promise<void> {
  for (const stop of [...live]) await stop();
}
