/**
 * Scheme capabilities are data on the scheme, read by sending, receiving and the editors: no module
 * decides them again by vendor name.
 */
import { describe, expect, it } from 'vitest';
import { editorCatalogue, vendorIds, vendors } from '../../shared/src/index';

describe('scheme capabilities', () => {
  it('only Standard Webhooks keeps its message id across retries and signs with every secret', () => {
    const keeping = vendorIds.filter((id) => vendors[id].scheme.keepsMessageIdAcrossRetries);
    const listing = vendorIds.filter((id) => vendors[id].scheme.signatureListHeader !== undefined);
    expect(keeping).toEqual(['standard-webhooks']);
    expect(listing).toEqual(['standard-webhooks']);
  });

  it("answers duplicates by default exactly where the scheme asks for replay protection", () => {
    for (const id of vendorIds) expect(vendors[id].duplicates.onByDefault, id).toBe(vendors[id].scheme.needsReplayProtection);
    expect(vendorIds.filter((id) => vendors[id].duplicates.onByDefault)).toEqual(['standard-webhooks']);
  });

  it('the editor shows the header field for 1NCE and generic HMAC, and the HMAC layout for generic HMAC only', () => {
    const settings = Object.fromEntries(editorCatalogue().map((entry) => [entry.id, entry.settings]));
    expect(vendorIds.filter((id) => settings[id]?.includes('header'))).toEqual(['1nce', 'generic-hmac']);
    expect(vendorIds.filter((id) => settings[id]?.includes('algorithm'))).toEqual(['generic-hmac']);
  });
});
