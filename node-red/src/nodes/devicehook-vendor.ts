/**
 * devicehook-vendor: a config node holding a vendor, its secrets and scheme settings. Also serves the
 * vendors' catalogues to the editor, so every dropdown is filled from the core.
 */
import { editorCatalogue, normalizeSecrets, type SchemeOptions, type VerifyOptions } from '@devicehook/core';
import type { RED } from '../lib/red';
import type { VendorConfigNode } from '../lib/vendor-config';

interface VendorConfigDef {
  name?: string;
  vendor: string;
  header?: string;
  algorithm?: SchemeOptions['algorithm'] | '';
  encoding?: SchemeOptions['encoding'] | '';
  prefix?: string;
  signedContent?: SchemeOptions['signedContent'] | '';
  timestampHeader?: string;
  typeField?: string;
  typeHeader?: string;
  allowUnsigned?: boolean;
  tolerance?: string | number;
}

export = function register(RED: RED): void {
  function DevicehookVendor(this: VendorConfigNode, config: VendorConfigDef) {
    RED.nodes.createNode(this, config);
    this.vendor = config.vendor;
    const schemeOptions: SchemeOptions = {};
    if (config.header) schemeOptions.header = config.header;
    if (config.algorithm) schemeOptions.algorithm = config.algorithm;
    if (config.encoding) schemeOptions.encoding = config.encoding;
    if (config.prefix) schemeOptions.prefix = config.prefix;
    if (config.signedContent) schemeOptions.signedContent = config.signedContent;
    if (config.timestampHeader) schemeOptions.timestampHeader = config.timestampHeader;
    if (config.typeField) schemeOptions.typeField = config.typeField;
    if (config.typeHeader) schemeOptions.typeHeader = config.typeHeader;
    this.schemeOptions = schemeOptions;
    this.allowUnsigned = Boolean(config.allowUnsigned);
    const tolerance = Number(config.tolerance);
    this.toleranceSeconds = Number.isFinite(tolerance) && tolerance > 0 ? tolerance : undefined;
    this.secrets = () => normalizeSecrets([this.credentials?.secret, this.credentials?.secret2]);
    this.verifyOptions = (extra: VerifyOptions = {}) => ({
      allowUnsigned: this.allowUnsigned,
      scheme: this.schemeOptions,
      ...(this.toleranceSeconds !== undefined ? { toleranceSeconds: this.toleranceSeconds } : {}),
      ...extra,
    });
    if (this.allowUnsigned) this.warn(RED._('devicehook-vendor.warn.unsigned'));
  }
  RED.nodes.registerType('devicehook-vendor', DevicehookVendor, {
    credentials: { secret: { type: 'password' }, secret2: { type: 'password' } },
  });

  // The editor fills its dropdowns from this: one source of truth for vendors and event types.
  RED.httpAdmin.get('/devicehook/vendors', RED.auth.needsPermission('devicehook-vendor.read'), (_req, res) => {
    res.json(editorCatalogue());
  });
};
