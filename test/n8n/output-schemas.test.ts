/**
 * n8n's editor asks for /schemas/<node type>/<major.minor.0>.json of the version a workflow holds (its
 * input panel's schema preview of a parent node); a missing file is a 404 in the user's console. Every
 * version each built node with output schemas declares must have its file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const NODES = path.resolve(__dirname, '../../dist/nodes');

describe('output schemas in the built n8n package', () => {
  const withSchemas = fs.readdirSync(NODES).filter((dir) => fs.existsSync(path.join(NODES, dir, '__schema__')));

  it('exist for the Signed Webhook and all seven triggers', () => {
    expect(withSchemas.sort()).toEqual(['EdgeSense', 'HmacWebhook', 'InCloudManager', 'InHand', 'OneNce', 'Scalefusion', 'SignedWebhook', 'StandardWebhooks']);
  });

  it.each(withSchemas)('%s: one schema file per declared version', (dir) => {
    const files = fs.readdirSync(path.join(NODES, dir)).filter((name) => /(Trigger|SignedWebhook)\.node\.js$/.test(name));
    expect(files).toHaveLength(1);
    const module = require(path.join(NODES, dir, files[0]!)) as Record<string, new () => { description: { version: number | number[] } }>;
    const NodeClass = Object.values(module).find((value) => typeof value === 'function')!;
    const declared = [new NodeClass().description.version].flat();
    const expected = declared.map((v) => `v${String(v).split('.')[0]}.${String(v).split('.')[1] ?? '0'}.0.json`).sort();
    expect(fs.readdirSync(path.join(NODES, dir, '__schema__')).sort()).toEqual(expected);
  });
});
