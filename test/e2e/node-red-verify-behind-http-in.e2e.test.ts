/**
 * The shipped example "Verify mid-flow after http in", deployed as a user imports it into a real Node-RED
 * 4.1 (Node 20) and 5.0 (Node 24) with @devicehook/node-red installed from its release tarball:
 * core `http in` ("Do not parse request body") → devicehook verify → http response. That option arrived
 * in Node-RED 4.1 (4.0's http in always parses, so the signed bytes are gone: the README says 4.1+ for
 * this path and devicehook in for 4.0).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, vendors } from '../../shared/src/index';
import { startNodeRed, stopAll, type FlowNode, type NodeRedRuntime } from '../helpers/node-red-runtime';
import { releaseTarballs } from '../helpers/release-tarballs';

const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'node-red', 'examples', 'Verify mid-flow after http in.json'), 'utf8')) as FlowNode[];
const SECRET = 'verify-behind-http-in';

afterAll(() => stopAll());

describe.each(['4', '5'] as const)('Node-RED %s: the "Verify mid-flow after http in" example', (major) => {
  let runtime: NodeRedRuntime;
  let url: string;
  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const signed = () => sign({ vendor: 'scalefusion', body: vendors.scalefusion.samples['device.locked'], secret: SECRET });

  beforeAll(async () => {
    runtime = await startNodeRed({ major, packages: [releaseTarballs().nodeRed] });
    url = `${runtime.url}${(example.find((n) => n.type === 'http in') as { url: string }).url}`;
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('as shipped (its ${SCALEFUSION_SECRET} unset) refuses a signed request with 503 naming the variable', async () => {
    await runtime.deploy(example);
    const request = signed();
    const response = await post(request.body, request.headers);
    expect(response.status).toBe(503);
    const answer = (await response.json()) as { code: string; message: string };
    expect(answer.code).toBe('not_configured');
    expect(answer.message).toContain('SCALEFUSION_SECRET');
  });

  it('with its secret set, answers a signed request 200 and refuses a forged one 401 with the reason', async () => {
    const withSecret = example.map((n) => (n.type === 'devicehook-vendor' ? { ...n, credentials: { secret: SECRET } } : n));
    await runtime.deploy(withSecret);
    const request = signed();
    const accepted = await post(request.body, request.headers);
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    expect(((await accepted.json()) as { type: string }).type).toBe('device.locked');

    const forged = await post(request.body, { ...request.headers, 'X-SF-Signature': '0'.repeat(64) });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { code: string }).code).toBe('signature_mismatch');
  });
});
