/**
 * One small interface over the real runtimes the hardening suites run against, so that each matrix (bad
 * inputs, load) is written once and run against every runtime (`describe.each(runtimes)`):
 *
 *   const runtime = n8nRuntime('2.41.1');          // or nodeRedRuntime('4')
 *   runtime.installFromFolder(…) / installFromTarball(…)   // optional: what to install (defaults below)
 *   await runtime.start();
 *   const urls = await runtime.deploy([{ key: 'scalefusion', vendor: 'scalefusion', secret }]);
 *   const answer = await runtime.send(urls.scalefusion, request);  // byte for byte over node:net
 *   await runtime.counts();                          // runs started per receiver key
 *   await runtime.received('scalefusion');           // the event ids those runs got, oldest first
 *   await runtime.stop();
 *
 * A receiver is our receiving node as a user sets it up, followed by something that records what reached
 * it: in n8n a workflow "<vendor> trigger → No Operation" (a run = an execution, read from n8n's database),
 * in Node-RED `devicehook in` wired to a function node that counts and records the event ids in global
 * context (a run = a message, read back through an `http in` endpoint the deploy adds).
 *
 * The orchestration itself stays in n8n-runtime.ts and node-red-runtime.ts; this file only maps the
 * interface onto them. Servers die with the test process (process-kit's spawnServer watchdog).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { sendRaw, type BadInputCase, type RawRequest, type RawResponse, type SendOptions } from '../hardening/bad-inputs';
import { NODE_TYPE_PREFIX, startN8n, type N8nCredential, type N8nNode, type N8nRuntime, type N8nVersion, type N8nWorkflow } from './n8n-runtime';
import { executionCounts, executionStatuses } from './n8n-sqlite';
import { startNodeRed, type FlowNode, type NodeRedMajor, type NodeRedRuntime } from './node-red-runtime';

export type RuntimeKind = 'n8n' | 'node-red';

/** Scheme settings of a receiver (generic HMAC's layout; empty for the vendors with a fixed scheme). */
export interface ReceiverScheme {
  header?: string;
  algorithm?: string;
  encoding?: string;
  prefix?: string;
  signedContent?: string;
  timestampHeader?: string;
}

/** One receiving endpoint, set up as a user would: a vendor, its scheme settings and a secret. */
export interface ReceiverSpec {
  /** Names the receiver in `deploy`'s answer, `counts()` and `received()`: lower-case letters, digits, '-'. */
  key: string;
  /** A vendor id of the core, or 'generic-hmac'. */
  vendor: string;
  scheme?: ReceiverScheme;
  secret: string;
  /**
   * A second wire from the receiver to a node that does nothing (Node-RED then clones every message, as any
   * fan-out does). Ignored by n8n, whose trigger has one connection either way.
   */
  fanOut?: boolean;
}

/** What reached a receiver: one run (n8n execution, Node-RED message). */
export interface Run {
  /** The normalized event's id (the trigger's output `id`, `msg.payload.id`), when it had one. */
  id: string | undefined;
  /** n8n's execution status (success, error, running…); Node-RED messages have none: 'success'. */
  status: string;
}

export interface Runtime {
  readonly kind: RuntimeKind;
  /** Before start: "n8n 2.41.1", "Node-RED 4"; after: with the exact version and Node's ("n8n 2.41.1 (Node 24.11.0)"). */
  readonly label: string;
  /** What one run is called in this runtime, for test names and figures: "execution" or "message". */
  readonly unit: 'execution' | 'message';
  /** pid of the server process (undefined before start). */
  readonly pid: number | undefined;
  /** Install this package tarball (`npm pack` output) at start, as a user would (n8n: community package; Node-RED: palette). */
  installFromTarball(tarball: string): void;
  /** Install a built package folder instead (n8n: packed first; Node-RED: linked into the userDir, as `npm link`). */
  installFromFolder(folder: string): void;
  /**
   * Makes the runtime ready for `deploy`. Node-RED starts here. n8n imports credentials and workflows with
   * its own CLI while it is stopped, so its process starts in the first `deploy` (with the receivers
   * already imported and published, as the harness always did); `start` only checks the install.
   */
  start(): Promise<void>;
  /** Sets up the receivers and resolves once they answer; returns each receiver's URL by key. */
  deploy(receivers: readonly ReceiverSpec[]): Promise<Record<string, string>>;
  /** Sends a request byte for byte (test/hardening/bad-inputs.ts sendRaw) and returns the answer. */
  send(url: string, request: RawRequest | BadInputCase, options?: SendOptions): Promise<RawResponse>;
  /** Runs started so far per receiver key (all statuses, unfinished ones too). */
  counts(): Promise<Record<string, number>>;
  /** Runs of a receiver not finished yet (n8n: new, running, waiting; Node-RED: always 0). */
  pending(key: string): Promise<number>;
  /** Every run of a receiver, oldest first. */
  received(key: string): Promise<Run[]>;
  /** Everything the server wrote so far. */
  readLog(): string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
  /** The underlying n8n harness, for checks only n8n has (its database); undefined for Node-RED. */
  readonly n8n?: { runtime: N8nRuntime; workflowId(key: string): string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REPO = join(__dirname, '..', '..');
/** A stopped server's folder goes (kept with DEVICEHOOK_KEEP_USERDIR, as the harnesses do). */
const removeFolder = (dir: string) => {
  if (!process.env.DEVICEHOOK_KEEP_USERDIR) fs.rmSync(dir, { recursive: true, force: true });
};

// ---------------------------------------------------------------------------------------------------------
// n8n: one workflow per receiver, "<vendor> trigger → No Operation", the secret in an imported credential

interface TriggerSpec {
  nodeName: string;
  credentialType: string;
  credentialData: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}

/** The trigger node and credential of a receiver. */
export function n8nTriggerSpec(receiver: ReceiverSpec): TriggerSpec {
  const { secret } = receiver;
  const scheme = receiver.scheme ?? {};
  switch (receiver.vendor) {
    case 'inhand-dm':
      return { nodeName: 'inHandDeviceManagerTrigger', credentialType: 'inHandWebhookApi', credentialData: { secret, previousSecret: '' } };
    case 'scalefusion':
      return { nodeName: 'scalefusionTrigger', credentialType: 'scalefusionWebhookApi', credentialData: { secret } };
    case 'standard-webhooks':
      return { nodeName: 'standardWebhooksTrigger', credentialType: 'standardWebhooksApi', credentialData: { secret } };
    case 'edgesense':
      // Registration off: the vendor API is not part of these suites (the e2e suite covers it).
      return {
        nodeName: 'edgeSenseTrigger',
        credentialType: 'edgeSenseApi',
        credentialData: { baseUrl: 'http://127.0.0.1:9', headerName: 'X-API-Key', apiKey: 'unused', secret },
        parameters: { registerWebhook: false },
      };
    case '1nce':
      return {
        nodeName: 'oneNceTrigger',
        credentialType: 'oneNceApi',
        credentialData: { baseUrl: 'http://127.0.0.1:9', username: 'unused', password: 'unused', authHeaderName: 'x-api-key', secret },
        parameters: { registerWebhook: false },
      };
    case 'generic-hmac':
      return {
        nodeName: 'hmacWebhookTrigger',
        credentialType: 'genericHmacApi',
        credentialData: {
          secret,
          header: scheme.header,
          algorithm: scheme.algorithm,
          encoding: scheme.encoding,
          prefix: scheme.prefix ?? '',
          signedContent: scheme.signedContent ?? 'body',
          timestampHeader: scheme.timestampHeader ?? 'X-Timestamp',
        },
      };
    default:
      throw new Error(`no n8n trigger for vendor ${receiver.vendor}`);
  }
}

/** Ids n8n accepts, derived from the receiver's position (unique) and key (readable in n8n's database). */
function n8nIds(receiver: ReceiverSpec, index: number) {
  const tag = `${String(index).padStart(2, '0')}${receiver.key.replace(/[^a-z0-9]/g, '')}`;
  return {
    workflowId: `hw${tag}`.padEnd(16, '0').slice(0, 16),
    credentialId: `hc${tag}`.padEnd(16, '0').slice(0, 16),
    webhookId: `b4d1b4d1-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
  };
}

function n8nCredential(receiver: ReceiverSpec, index: number): N8nCredential {
  const spec = n8nTriggerSpec(receiver);
  return { id: n8nIds(receiver, index).credentialId, name: `harness ${receiver.key}`, type: spec.credentialType, data: spec.credentialData };
}

function n8nWorkflow(receiver: ReceiverSpec, index: number): N8nWorkflow {
  const spec = n8nTriggerSpec(receiver);
  const ids = n8nIds(receiver, index);
  const listsTypes = receiver.vendor !== 'generic-hmac' && receiver.vendor !== 'standard-webhooks';
  const trigger: N8nNode = {
    id: `${ids.workflowId}-trigger`,
    name: 'Trigger',
    type: `${NODE_TYPE_PREFIX}${spec.nodeName}`,
    typeVersion: 1,
    position: [0, 0],
    webhookId: ids.webhookId,
    parameters: { eventTypes: listsTypes ? [] : '', routeByType: false, output: 'event', allowUnsigned: false, options: {}, ...spec.parameters },
    credentials: { [spec.credentialType]: { id: ids.credentialId, name: `harness ${receiver.key}` } },
  };
  return {
    id: ids.workflowId,
    name: `harness ${receiver.key}`,
    nodes: [trigger, { id: `${ids.workflowId}-noop`, name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} }],
    connections: { Trigger: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
  };
}

export interface N8nRuntimeOptions {
  /** Extra environment for n8n (e.g. N8N_PAYLOAD_SIZE_MAX, EXECUTIONS_DATA_PRUNE), applied last. */
  env?: Record<string, string>;
}

/**
 * n8n of the given version on its own Node (test/helpers/n8n-runtime.ts), regular mode, sqlite. Installs
 * the repository's release tarball unless told otherwise.
 */
export function n8nRuntime(version: N8nVersion, options: N8nRuntimeOptions = {}): Runtime {
  let install: { tarball?: string; packageDir?: string } = {};
  let runtime: N8nRuntime | undefined;
  let started = false;
  let label = `n8n ${version}`;
  const workflowOf = new Map<string, string>();
  const keyOf = new Map<string, string>();

  const ready = (): N8nRuntime => {
    if (!runtime) throw new Error(`${label}: deploy first (n8n starts with its receivers imported)`);
    return runtime;
  };

  const importAndRestart = async (n8n: N8nRuntime, credentials: N8nCredential[], workflows: N8nWorkflow[]) => {
    // n8n's CLI and a running n8n must not share the database: stop, import, publish, start.
    await n8n.stop();
    const dir = join(n8n.userFolder, `import-${Date.now()}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(join(dir, 'credentials.json'), JSON.stringify(credentials));
    fs.writeFileSync(join(dir, 'workflows.json'), JSON.stringify(workflows.map((wf) => ({ settings: {}, pinData: {}, ...wf, active: false }))));
    await n8n.cli(['import:credentials', `--input=${join(dir, 'credentials.json')}`]);
    await n8n.cli(['import:workflow', `--input=${join(dir, 'workflows.json')}`]);
    await n8n.restart({ publish: workflows.map((wf) => wf.id) });
  };

  return {
    kind: 'n8n',
    unit: 'execution',
    get label() {
      return label;
    },
    get pid() {
      return runtime?.pid;
    },
    get n8n() {
      return runtime ? { runtime, workflowId: (key: string) => workflowOf.get(key) ?? '' } : undefined;
    },
    installFromTarball(tarball) {
      install = { tarball };
    },
    installFromFolder(folder) {
      install = { packageDir: folder };
    },
    async start() {
      started = true;
    },
    async deploy(receivers) {
      if (!started) throw new Error(`${label}: start() first`);
      const offset = workflowOf.size;
      const credentials = receivers.map((r, i) => n8nCredential(r, offset + i));
      const workflows = receivers.map((r, i) => n8nWorkflow(r, offset + i));
      receivers.forEach((r, i) => {
        workflowOf.set(r.key, workflows[i]!.id);
        keyOf.set(workflows[i]!.id, r.key);
      });
      if (!runtime) {
        runtime = await startN8n({ version, credentials, workflows, env: options.env, ...install });
        label = `n8n ${runtime.install.version} (Node ${runtime.install.nodeVersion.replace(/^v/, '')})`;
      } else {
        await importAndRestart(runtime, credentials, workflows);
      }
      const n8n = runtime;
      return Object.fromEntries(receivers.map((r, i) => [r.key, n8n.webhookUrl(workflows[i]!.nodes[0]!.webhookId as string)]));
    },
    send: (url, request, sendOptions) => sendRaw(url, request, sendOptions),
    async counts() {
      const all = await executionCounts(ready().userFolder);
      const out: Record<string, number> = {};
      for (const [workflowId, key] of keyOf) out[key] = all[workflowId] ?? 0;
      return out;
    },
    async pending(key) {
      const statuses = await executionStatuses(ready().userFolder, workflowOf.get(key) ?? '');
      return (statuses.new ?? 0) + (statuses.running ?? 0) + (statuses.waiting ?? 0);
    },
    async received(key) {
      const executions = await ready().executions(workflowOf.get(key) ?? '');
      return executions.map((e) => {
        const id = e.outputs.Trigger?.[0]?.[0]?.id;
        return { id: typeof id === 'string' ? id : undefined, status: e.status };
      });
    },
    readLog: () => runtime?.logs() ?? '',
    async stop() {
      await runtime?.stop();
      if (runtime) removeFolder(runtime.userFolder);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Node-RED: `devicehook in` per receiver, wired to a recorder; counts and ids read back over HTTP

const COUNTS_PATH = '/harness/counts';
const RECEIVED_PATH = '/harness/received';

/** A function node that counts the messages of `key` and records their event ids, in global context. */
function recorder(id: string, key: string): FlowNode {
  const k = JSON.stringify(key);
  return {
    id,
    type: 'function',
    z: 'harnesstab',
    name: `record ${key}`,
    // The memory context store hands back the objects themselves, so this is one push per message.
    func:
      `const counts = global.get('harnessCounts') || {};\ncounts[${k}] = (counts[${k}] || 0) + 1;\nglobal.set('harnessCounts', counts);\n` +
      `let ids = global.get('harnessIds');\nif (!ids) { ids = {}; global.set('harnessIds', ids); }\n(ids[${k}] = ids[${k}] || []).push(msg.payload && msg.payload.id !== undefined ? String(msg.payload.id) : null);\nreturn null;`,
    outputs: 1,
    noerr: 0,
    initialize: '',
    finalize: '',
    libs: [],
    wires: [[]],
  };
}

const readBack = (id: string, url: string, func: string, next: string): FlowNode[] => [
  // Ids are long on purpose: Node-RED takes any property whose value equals a node id for a reference to
  // that node, so an `http in` with id 'get' (and method 'get') fails with "circular config node dependency".
  { id: `${id}in`, type: 'http in', z: 'harnesstab', url, method: 'get', upload: false, swaggerDoc: '', wires: [[`${id}read`]] },
  { id: `${id}read`, type: 'function', z: 'harnesstab', func, outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[next]] },
];

/** The flow of a set of receivers: each `devicehook in` → its recorder (and the do-nothing node when fanning out). */
export function nodeRedFlows(receivers: readonly ReceiverSpec[]): FlowNode[] {
  const nodes: FlowNode[] = [
    { id: 'harnesstab', type: 'tab', label: 'harness receivers' },
    { id: 'harnesssink', type: 'function', z: 'harnesstab', name: 'second wire', func: 'return null;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], wires: [[]] },
    ...readBack('harnesscounts', COUNTS_PATH, "msg.payload = global.get('harnessCounts') || {};\nreturn msg;", 'harnessanswer'),
    ...readBack('harnessreceived', RECEIVED_PATH, "msg.payload = (global.get('harnessIds') || {})[msg.req.query.key] || [];\nreturn msg;", 'harnessanswer'),
    { id: 'harnessanswer', type: 'http response', z: 'harnesstab', statusCode: '', headers: {}, wires: [] },
  ];
  receivers.forEach((receiver, index) => {
    const id = `h${index}${receiver.key.replace(/[^a-z0-9]/g, '')}`;
    const scheme = receiver.scheme ?? {};
    nodes.push(
      {
        id: `${id}cfg`,
        type: 'devicehook-vendor',
        name: receiver.key,
        vendor: receiver.vendor,
        header: scheme.header ?? '',
        algorithm: scheme.algorithm ?? '',
        encoding: scheme.encoding ?? '',
        prefix: scheme.prefix ?? '',
        signedContent: scheme.signedContent ?? '',
        timestampHeader: scheme.timestampHeader ?? '',
        credentials: { secret: receiver.secret },
      },
      { id: `${id}in`, type: 'devicehook in', z: 'harnesstab', url: `/hook/${receiver.key}`, vendor: `${id}cfg`, types: [], outputs: 1, wires: [[`${id}rec`, ...(receiver.fanOut ? ['harnesssink'] : [])]] },
      recorder(`${id}rec`, receiver.key),
    );
  });
  return nodes;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Node-RED of the given major (4.1 on Node 20, 5 on Node 24; test/helpers/node-red-runtime.ts), default
 * settings. Loads the repository's node-red/ folder (linked, as the hardening suites always did) unless told
 * otherwise; run `npm run build` first.
 */
export function nodeRedRuntime(major: NodeRedMajor): Runtime {
  let install: { packages?: string[]; modules?: string[] } = { modules: [join(REPO, 'node-red')] };
  let runtime: NodeRedRuntime | undefined;
  let label = `Node-RED ${major}`;
  let deployed: ReceiverSpec[] = [];

  const ready = (): NodeRedRuntime => {
    if (!runtime) throw new Error(`${label}: start() first`);
    return runtime;
  };

  return {
    kind: 'node-red',
    unit: 'message',
    get label() {
      return label;
    },
    get pid() {
      return runtime?.pid;
    },
    installFromTarball(tarball) {
      install = { packages: [tarball] };
    },
    installFromFolder(folder) {
      install = { modules: [folder] };
    },
    async start() {
      runtime = await startNodeRed({ major, ...install });
      const nodeVersion = execFileSync(runtime.install.nodeBin, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
      label = `Node-RED ${runtime.install.version} (Node ${nodeVersion})`;
    },
    async deploy(receivers) {
      // A full deploy replaces the flows: keep the receivers of earlier deploys.
      deployed = [...deployed.filter((d) => !receivers.some((r) => r.key === d.key)), ...receivers];
      const nodeRed = ready();
      await nodeRed.deploy(nodeRedFlows(deployed));
      return Object.fromEntries(receivers.map((r) => [r.key, `${nodeRed.url}/hook/${r.key}`]));
    },
    send: (url, request, sendOptions) => sendRaw(url, request, sendOptions),
    async counts() {
      const all = await getJson<Record<string, number>>(`${ready().url}${COUNTS_PATH}`);
      return Object.fromEntries(deployed.map((r) => [r.key, all[r.key] ?? 0]));
    },
    async pending() {
      return 0;
    },
    async received(key) {
      const ids = await getJson<Array<string | null>>(`${ready().url}${RECEIVED_PATH}?key=${encodeURIComponent(key)}`);
      return ids.map((id) => ({ id: id ?? undefined, status: 'success' }));
    },
    readLog: () => runtime?.logs() ?? '',
    async stop() {
      await runtime?.stop();
      if (runtime) removeFolder(runtime.userDir);
    },
  };
}

/** Waits until `check` holds or `ms` passed; returns its last value. */
export async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}
