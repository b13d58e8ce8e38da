/**
 * What the devicehook-vendor config node gives the other nodes: the vendor, its secrets (two during a
 * rotation; `${ENV}` is expanded by Node-RED) and the scheme settings, as the core wants them.
 */
import type { ReceiverConfig, SchemeOptions } from '@devicehook/core';
import type { RED, RedNode } from './red';

export interface VendorConfigNode extends RedNode {
  vendor: string;
  schemeOptions: SchemeOptions;
  allowUnsigned: boolean;
  allowUnauthenticated: boolean;
  toleranceSeconds: number | undefined;
  /** The secrets as entered, current first (a `${VAR}` Node-RED could not resolve stays as text: the core refuses it). */
  secrets(): string[];
  /** The receiver settings for the core's host kit (`createReceiver`); the receiving node adds its own. */
  receiverConfig(): ReceiverConfig;
}

/** The config node behind an id, or undefined with a reason the caller shows as status. */
export function vendorConfig(red: RED, id: string | undefined): VendorConfigNode | undefined {
  if (!id) return undefined;
  const node = red.nodes.getNode(id) as VendorConfigNode | null;
  return node && typeof node.secrets === 'function' ? node : undefined;
}
