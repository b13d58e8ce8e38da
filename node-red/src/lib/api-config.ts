/**
 * What the devicehook-api config node gives the nodes that call a vendor API: which API, and the core's
 * HTTP call with its base URL and authentication (the keys stay in the config node's credentials).
 */
import type { ApiRequest } from '@devicehook/core';
import type { ApiKind } from './api-request';
import type { RED, RedNode } from './red';

export interface ApiConfigNode extends RedNode {
  api: ApiKind;
  /** Why this configuration cannot call the API (what to fill in), or undefined. */
  problem(): string | undefined;
  /** The core API clients' HTTP call (one per config node: it keeps 1NCE's token). */
  request(): ApiRequest;
}

/** The API config node behind an id, or undefined. */
export function apiConfig(red: RED, id: string | undefined): ApiConfigNode | undefined {
  if (!id) return undefined;
  const node = red.nodes.getNode(id) as ApiConfigNode | null;
  return node && typeof node.request === 'function' && typeof node.problem === 'function' ? node : undefined;
}

export const API_LABELS: Record<ApiKind, string> = { edgesense: 'EdgeSense', '1nce': '1NCE' };
