/**
 * 1NCE's `:iccid:`, `:imsi:` and `:ip:` placeholders, usable for any vendor's URL and headers.
 * Pure module.
 */
import { LONE_SURROGATE } from './json/lossless-json';
import type { EventDevice } from './types';

/** Values for the placeholders; absent or empty ones become `none`, as at 1NCE. */
export interface PlaceholderValues {
  iccid?: string | number | null;
  imsi?: string | number | null;
  ip?: string | null;
}

/** The placeholders 1NCE supports; any other `:name:` stays as written. */
export const PLACEHOLDERS = ['iccid', 'imsi', 'ip'] as const;
const PATTERN = /:(iccid|imsi|ip):/g;
/** Control characters a header value may not hold (tab is allowed). */
const HEADER_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;
/** Characters beyond Latin-1, which an HTTP header cannot carry as they are. */
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/gu;

/**
 * Fills `:iccid:`, `:imsi:` and `:ip:` in a URL or header template.
 *
 * - A missing or empty value becomes `none`; an unsupported placeholder (`:unknown:`) stays unchanged.
 * - `target: 'url'`: each filled value is percent-encoded, so `/`, `?`, `#`, `@` or `../` in a value
 *   cannot change where the request goes; a value of just `.` or `..` (a dot-segment) counts as missing.
 * - `target: 'header'`: CR, LF, NUL and the other control characters (tab aside) never get through,
 *   neither from a value nor from the template; characters a header cannot carry (beyond U+00FF) are
 *   percent-encoded, so a device's data can never make the request unsendable.
 *
 * @example
 * fillPlaceholders('https://x.example/e?iccid=:iccid:&ip=:ip:', { iccid: '8988' }, { target: 'url' })
 * // 'https://x.example/e?iccid=8988&ip=none'
 */
export function fillPlaceholders(template: string, values: PlaceholderValues, options: { target: 'url' | 'header' }): string {
  const filled = template.replace(PATTERN, (_match, name: (typeof PLACEHOLDERS)[number]) => {
    const raw = values?.[name];
    // A lone surrogate cannot be encoded (encodeURIComponent throws): it becomes U+FFFD.
    const value = raw === undefined || raw === null ? '' : String(raw).replace(LONE_SURROGATE, '\ufffd');
    if (options.target === 'header') return value === '' ? 'none' : value;
    // "." and ".." would be dot-segments that climb the URL path, encoded or not (%2e counts as a dot):
    // no ICCID, IMSI or IP looks like that, so they count as missing.
    return value === '' || value === '.' || value === '..' ? 'none' : encodeURIComponent(value);
  });
  return options.target === 'header' ? filled.replace(HEADER_CONTROL, '').replace(BEYOND_LATIN1, (c) => encodeURIComponent(c.replace(LONE_SURROGATE, '\ufffd'))) : filled;
}

/** The placeholder values of a normalized event's device. */
export function placeholderValuesOf(device: EventDevice | undefined): PlaceholderValues {
  return { iccid: device?.iccid, imsi: device?.imsi, ip: device?.ip };
}

/**
 * The placeholder values for sending an item (an n8n item's JSON, a Node-RED `msg.payload`, the CLI's
 * event), decided here for every host: each value given explicitly (CLI flags, `msg.placeholders`) wins;
 * otherwise it comes from the item's `device` (a DeviceHook event), else from the item's own field of that
 * name (a 1NCE message carries `iccid` at the top). Only text and numbers count; anything else is missing
 * and becomes `none` when filled.
 */
export function placeholdersOf(item: unknown, given?: PlaceholderValues | null): PlaceholderValues {
  const fields = isRecord(item) ? item : {};
  const device = isRecord(fields.device) ? placeholderValuesOf(fields.device as EventDevice) : {};
  const explicit: PlaceholderValues = isRecord(given) ? given : {};
  const values: PlaceholderValues = {};
  for (const name of PLACEHOLDERS) {
    const value = textOf(explicit[name]) ?? textOf(device[name]) ?? textOf(fields[name]);
    if (value !== undefined) values[name] = value;
  }
  return values;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
