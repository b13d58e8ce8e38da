/**
 * devicehook out's outbox in a real Node-RED 4 and 5 (default settings), deployed through the admin API
 * as the editor does: a node whose id climbs out of the user directory (`b/../../.config.runtime`) keeps
 * its pending message inside `<userDir>/devicehook/outbox/<hash>/`, renames nothing, and removing it
 * deletes no flows.json — Node-RED restarts with its flows and credentials intact.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { releaseTarballs } from '../helpers/release-tarballs';
const HOSTILE_ID = 'b/../../.config.runtime';
const SECRET = 'e2e-outbox-signing-secret';

afterAll(() => stopAll());

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(['4', '5'] as const)('Node-RED %s: the outbox of a node with a hostile id', (major) => {
  let runtime: NodeRedRuntime;
  let receiver: Receiver;

  const base = (): FlowNode[] => [
    { id: 'tab', type: 'tab', label: 'outbox' },
    { id: 'cfg', type: 'devicehook-vendor', vendor: 'scalefusion', credentials: { secret: SECRET } },
    { id: 'keep', type: 'inject', z: 'tab', props: [{ p: 'payload' }], payload: '1', payloadType: 'num', repeat: '', once: false, wires: [[]] },
  ];
  const withHostile = (): FlowNode[] => [
    ...base(),
    { id: 'inj', type: 'inject', z: 'tab', props: [{ p: 'payload' }], payload: '{"event":"device.lost"}', payloadType: 'json', repeat: '', once: false, wires: [[HOSTILE_ID]] },
    { id: HOSTILE_ID, type: 'devicehook out', z: 'tab', vendor: 'cfg', url: `${receiver.url}/target`, retry: 'default', ssrfGuard: false, headers: [], wires: [[], []] },
  ];
  const folder = () => join(runtime.userDir, 'devicehook', 'outbox', createHash('sha256').update(HOSTILE_ID).digest('hex').slice(0, 32));
  const topLevel = () => readdirSync(runtime.userDir).filter((name) => !/^\.flows.*\.backup$|^\.flows_cred.*\.backup$/.test(name)).sort();

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 503 }));
    runtime = await startNodeRed({ major, packages: [releaseTarballs().nodeRed] });
    await runtime.deploy(base());
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  it('writes only in its hashed folder, renames nothing, and removing it deletes no flows.json', async () => {
    const runtimeConfig = join(runtime.userDir, '.config.runtime.json');
    expect(existsSync(runtimeConfig)).toBe(true); // Node-RED's credential key: the file the old outbox renamed
    const configBefore = readFileSync(runtimeConfig);
    const entriesBefore = topLevel();

    await runtime.deploy(withHostile());
    expect((await fetch(`${runtime.url}/inject/inj`, { method: 'POST' })).status).toBe(200);
    await until(() => receiver.requests.length >= 1 && existsSync(folder()) && readdirSync(folder()).length === 1, 15_000, 'the pending retry on disk');

    expect(readFileSync(runtimeConfig)).toEqual(configBefore);
    expect(topLevel()).toEqual([...new Set([...entriesBefore, 'devicehook'])].sort());
    // Beside the outbox, only the node's delivery log (the DeviceHook sidebar's), in a folder named by the same hash.
    expect(readdirSync(join(runtime.userDir, 'devicehook')).sort()).toEqual(['log', 'outbox']);
    expect(readdirSync(join(runtime.userDir, 'devicehook', 'log'))).toEqual([createHash('sha256').update(HOSTILE_ID).digest('hex').slice(0, 32)]);
    const [file] = readdirSync(folder());
    expect(file).toMatch(/^e-[0-9a-f]{32}\.json$/);
    expect(statSync(join(folder(), file!)).mode & 0o777).toBe(0o600);
    expect(statSync(folder()).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(folder(), file!), 'utf8')).not.toContain(SECRET);

    // Deleted from the flow and deployed: its entry and folder go, nothing else.
    await runtime.deploy(base());
    await until(() => !existsSync(folder()), 10_000, 'the outbox folder to be removed');
    await until(() => readdirSync(join(runtime.userDir, 'devicehook', 'log')).length === 0, 10_000, 'the log folder to be removed');
    expect(readFileSync(runtimeConfig)).toEqual(configBefore);
    expect(existsSync(runtime.flowFile)).toBe(true);
    expect((JSON.parse(readFileSync(runtime.flowFile, 'utf8')) as FlowNode[]).map((n) => n.id).sort()).toEqual(['cfg', 'keep', 'tab']);

    // Restarted, Node-RED still decrypts the credentials (the vendor node has its secret) and runs the flows.
    await runtime.restart();
    const flows = (await (await fetch(`${runtime.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json()) as { flows: FlowNode[] };
    expect(flows.flows.map((n) => n.id).sort()).toEqual(['cfg', 'keep', 'tab']);
    expect(runtime.logs()).not.toMatch(/Error loading credentials|credentials could not be decrypted/i);
  });
});
