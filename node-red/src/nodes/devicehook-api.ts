/**
 * devicehook-api: a config node holding the connection to a vendor's management API (EdgeSense's webhook
 * API, or 1NCE's Management API): the base URL, and the API key or API user as credentials, which
 * Node-RED keeps out of the flow file and exports.
 */
import { createApiRequest, DEFAULT_BASE_URLS, settingsProblem, type ApiKind, type ApiSettings } from '../lib/api-request';
import type { ApiConfigNode } from '../lib/api-config';
import type { RED } from '../lib/red';

interface ApiConfigDef {
  name?: string;
  api?: ApiKind;
  baseUrl?: string;
  headerName?: string;
}

export = function register(RED: RED): void {
  function DevicehookApi(this: ApiConfigNode, config: ApiConfigDef) {
    RED.nodes.createNode(this, config);
    const api: ApiKind = config.api === '1nce' ? '1nce' : 'edgesense';
    this.api = api;
    const credentials = this.credentials ?? {};
    const settings: ApiSettings = {
      api,
      baseUrl: String(config.baseUrl ?? '').trim() || DEFAULT_BASE_URLS[api],
      headerName: String(config.headerName ?? '').trim() || 'X-API-Key',
      apiKey: credentials.apiKey ?? '',
      username: credentials.username ?? '',
      password: credentials.password ?? '',
    };
    const request = createApiRequest(settings);
    this.problem = () => settingsProblem(settings);
    this.request = () => request;
  }
  RED.nodes.registerType('devicehook-api', DevicehookApi, {
    credentials: { apiKey: { type: 'password' }, username: { type: 'text' }, password: { type: 'password' } },
  });
};
