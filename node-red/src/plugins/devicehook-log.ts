/**
 * The DeviceHook sidebar's runtime part: registers the editor plugin (devicehook-log.html, loaded into the
 * editor beside this file) and installs the admin routes it reads (see ../lib/log-admin).
 */
import { installLogAdmin } from '../lib/log-admin';
import type { RED } from '../lib/red';

type PluginRED = RED & { plugins?: { registerPlugin(id: string, definition: Record<string, unknown>): void } };

export = function register(RED: PluginRED): void {
  installLogAdmin(RED);
  RED.plugins?.registerPlugin('devicehook-log', { type: 'node-red-plugin' });
};
