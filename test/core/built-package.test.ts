/**
 * What a user of plain Node gets: `require('@devicehook/core')` of the built CommonJS package.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const requireFromHere = createRequire(__filename);

describe('the built package', () => {
  const core = requireFromHere(join(__dirname, '..', '..', 'shared'));

  it('exposes the API from its CommonJS main', () => {
    for (const name of ['verify', 'sign', 'pythonJsonDumps', 'fillPlaceholders', 'vendors', 'createMemoryReplayStore']) {
      expect(core[name], name).toBeDefined();
    }
    expect(Object.keys(core.vendors)).toEqual(['inhand-dm', 'incloud-manager', 'edgesense', '1nce', 'scalefusion', 'standard-webhooks', 'generic-hmac']);
  });

  it('signs and verifies end to end', () => {
    const signed = core.sign({ vendor: 'inhand-dm', body: core.vendors['inhand-dm'].samples.offline, secret: 's' });
    expect(core.verify({ vendor: 'inhand-dm', rawBody: signed.body, headers: signed.headers, secrets: 's' })).toMatchObject({
      ok: true,
      event: { type: 'offline', typeLabel: 'Gateway offline', device: { serialNumber: 'RF3151342000003' } },
    });
  });

  it('ships type declarations', () => {
    expect(requireFromHere.resolve(join(__dirname, '..', '..', 'shared', 'dist', 'index.d.ts'))).toBeTruthy();
  });
});
