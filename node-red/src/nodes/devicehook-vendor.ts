/**
 * devicehook-vendor: a config node holding a vendor, its secrets and scheme settings. Also serves the
 * vendors' catalogues to the editor, so every dropdown is filled from the core.
 */
import { editorCatalogue, getVendor, normalizeSecrets, type ReceiverConfig, type SchemeOptions } from '@devicehook/core';
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
  allowUnauthenticated?: boolean;
  tolerance?: string | number;
  /** '' (the vendor's default), 'on' or 'off'. */
  duplicates?: '' | 'on' | 'off';
  /** How long ids are remembered, in hours; '' for the vendor's horizon. */
  duplicateHours?: string | number;
}

/** '' or absent → undefined; anything else as a number, so the core refuses what is not a positive number. */
function numberOrUndefined(value: unknown): number | undefined {
  return value === undefined || value === null || String(value).trim() === '' ? undefined : Number(value);
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
    this.allowUnauthenticated = Boolean(config.allowUnauthenticated);
    this.toleranceSeconds = numberOrUndefined(config.tolerance);
    const hours = numberOrUndefined(config.duplicateHours);
    this.secrets = () => normalizeSecrets([this.credentials?.secret, this.credentials?.secret2]);
    this.receiverConfig = (): ReceiverConfig => ({
      vendor: this.vendor,
      secrets: this.secrets(),
      allowUnauthenticated: this.allowUnauthenticated,
      allowUnsigned: this.allowUnsigned,
      scheme: this.schemeOptions,
      ...(this.toleranceSeconds !== undefined ? { toleranceSeconds: this.toleranceSeconds } : {}),
      ...(config.duplicates === 'on' || config.duplicates === 'off' ? { duplicates: config.duplicates === 'on' } : {}),
      ...(hours !== undefined ? { duplicateHorizonSeconds: hours * 3600 } : {}),
    });
    const label = getVendor(this.vendor)?.label ?? this.vendor;
    if (this.allowUnsigned) this.warn(RED._('devicehook-vendor.warn.unsigned'));
    if (this.allowUnauthenticated && this.secrets().length === 0) this.warn(RED._('devicehook-vendor.warn.unauthenticated', { vendor: label }));
  }
  RED.nodes.registerType('devicehook-vendor', DevicehookVendor, {
    credentials: { secret: { type: 'password' }, secret2: { type: 'password' } },
  });

  // The editor fills its dropdowns from this: one source of truth for vendors and event types.
  RED.httpAdmin.get('/devicehook/vendors', RED.auth.needsPermission('devicehook-vendor.read'), (_req, res) => {
    res.json(editorCatalogue().map((entry) => ({ ...entry, duplicates: getVendor(entry.id)?.duplicates })));
  });
};
