/**
 * The host kit: one function decides every answer of a webhook receiver, so each host (n8n triggers,
 * Node-RED `devicehook in` / `devicehook verify` and its raw capture) keeps only glue — read the bytes and
 * headers, supply its saved replay list, write the answer, start its flow. Modelled on octokit/webhooks.js
 * `createMiddleware`. Pure module: no I/O, no timers.
 *
 * Decided here, once: fail closed without a usable secret (503 `not_configured`, unless
 * `allowUnauthenticated`), the options (positive finite sizes, tolerances and horizons), the default body
 * limit, current + previous secret, cleaning the chosen types, whether duplicates are detected (the
 * vendor's profile: on for Standard Webhooks), how long ids are kept, the answer for every outcome
 * (including too large, too slow and unreadable bodies), which headers may be handed on, and which
 * source addresses may send at all (the allow-list, checked before any body or signature work).
 */
import { safeHeaders, type HeaderInput } from '../headers';
import { createMemoryReplayStore } from '../replay-store';
import { outputIndexForType } from '../routing';
import { secretsProblem, usableSecrets } from '../secrets';
import type { ReplayStore, SchemeOptions, VendorProfile, VerifyFailure, VerifyOptions } from '../types';
import { DEFAULT_MAX_BYTES, DEFAULT_TOLERANCE_SECONDS, invalidOptions, refuseUnreadableBody, verify } from '../verify';
import { getVendor, vendorIds } from '../vendors/index';
import { refuse, truncate } from '../results';
import { accepted, decisionOfFailure, ignored, refusal, type Decision } from './answer';
import { parseSourceAllowList, sourceEntries } from './sources';

/** How long a body may take to arrive before the host answers 408 (slow-loris uploads). */
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** What a receiver is set up with. Everything but `vendor` is optional. */
export interface ReceiverConfig {
  /** A vendor id, e.g. `inhand-dm`. */
  vendor: string;
  /** The current secret, then the previous one during a rotation (a string or a list; empty entries ignored). */
  secrets?: unknown;
  /** Take requests without checking them when no secret is set. Off: such a receiver refuses everything (503). */
  allowUnauthenticated?: boolean;
  /** Accept requests that carry no signature although a secret is set. */
  allowUnsigned?: boolean;
  toleranceSeconds?: number;
  /** Largest body, in bytes. @defaultValue {@link DEFAULT_MAX_BYTES} */
  maxBytes?: number;
  strictSchema?: boolean;
  scheme?: SchemeOptions;
  /** The chosen event types: a list, or comma-separated text; cleaned (trimmed, empty and repeated ones dropped). */
  types?: unknown;
  /**
   * What happens to a type that was not chosen: `route` — it leaves by the last output ("other");
   * `ignore` — it is answered 200 `ignored` and starts nothing. No types chosen: every type is taken.
   * @defaultValue 'route'
   */
  unchosenTypes?: 'route' | 'ignore';
  /** Answer repeated message ids as duplicates. @defaultValue the vendor's `duplicates.onByDefault` */
  duplicates?: boolean;
  /** How long ids are remembered, in seconds. @defaultValue the vendor's `duplicates.horizonSeconds` */
  duplicateHorizonSeconds?: number;
  /**
   * Source addresses allowed to send: IPv4/IPv6 addresses and CIDR ranges, as a list or text separated by
   * commas, spaces or new lines. Empty (and {@link vendorSources} off): every source. A request from
   * anywhere else is refused 403 `source_not_allowed` before its body is read. An entry that is not an
   * address or range makes the receiver refuse everything `invalid_input`, with a message naming it.
   */
  allowedSources?: unknown;
  /** Also allow the addresses the vendor publishes for its webhooks (the profile's `sourceAddresses`, e.g. 1NCE's). */
  vendorSources?: boolean;
  /** The clock, for tests. */
  now?: number;
}

/** One request as the host has it. */
export interface HostRequest {
  headers: HeaderInput;
  /** The exact bytes; undefined when the host could not read them (see {@link Receiver.unreadable}). */
  rawBody: Buffer | Uint8Array | string | undefined;
  /**
   * The list of received ids, from the host's saved data (with duplicates on). Without one the receiver
   * keeps ids in its own memory, which a restart forgets.
   */
  replayStore?: ReplayStore;
  /**
   * The address the request came from, as the host's runtime gives it with its own trusted-proxy setting
   * applied (Express `req.ip`). Read only when the receiver has an allow-list; missing then means refused.
   */
  source?: string;
}

/** How a receiver stands, for a host's status display. */
export type ReceiverMode = 'secured' | 'unauthenticated' | 'not_configured';

export interface Receiver {
  /** The vendor's profile; undefined for an unknown vendor (then every request is refused `invalid_input`). */
  readonly profile: VendorProfile | undefined;
  /** The problem every request is refused for (`invalid_input` options, `not_configured` secret), if any. */
  readonly problem: VerifyFailure | undefined;
  /** `unauthenticated`: no secret and `allowUnauthenticated` on — hosts show a warning. */
  readonly mode: ReceiverMode;
  /** The body limit the host's reader must enforce. */
  readonly maxBytes: number;
  /** The cleaned chosen types, in output order. */
  readonly types: readonly string[];
  /** Whether ids are remembered, and for how long. */
  readonly duplicates: { on: boolean; horizonSeconds: number };
  /** The allow-list's entries (yours, then the vendor's published ones), or undefined when every source may send. */
  readonly allowedSources: readonly string[] | undefined;
  /** Decides about one request. Never throws. */
  receive(request: HostRequest): Decision;
  /**
   * The refusal for a request from a source the allow-list does not take (or the receiver's own problem),
   * else undefined. Cheap; hosts call it before they read the body. {@link receive} checks it too.
   */
  checkSource(source: string | undefined): Decision | undefined;
  /** The decision for a body over {@link maxBytes}, declared or read so far (worded without its size: see verify()). */
  tooLarge(): Decision;
  /** The decision for a body that did not arrive in time. */
  timedOut(afterMs?: number): Decision;
  /** The decision for a body the host could not read (consumed by the framework, client gone). */
  unreadable(headers: HeaderInput): Decision;
  /** The headers a host may hand on (no secrets): see {@link safeHeaders}. */
  safeHeaders(headers: unknown): Record<string, string | string[]>;
}

/** Chosen event types, cleaned: from a list or comma-separated text, trimmed, empty and repeated ones dropped. */
export function cleanTypes(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  const seen = new Set<string>();
  for (const entry of list) {
    if (typeof entry !== 'string' && typeof entry !== 'number') continue;
    const type = String(entry).trim();
    if (type !== '') seen.add(type);
  }
  return [...seen];
}

/** Builds a receiver. Cheap: a host may build one per request (n8n reads its credential per request). */
export function createReceiver(config: ReceiverConfig): Receiver {
  const profile = getVendor(String(config?.vendor));
  const types = cleanTypes(config?.types);
  const unchosen = config?.unchosenTypes ?? 'route';
  const maxBytes = config?.maxBytes ?? DEFAULT_MAX_BYTES;
  const options: VerifyOptions = {
    allowUnauthenticated: config?.allowUnauthenticated === true,
    allowUnsigned: config?.allowUnsigned === true,
    maxBytes,
    toleranceSeconds: config?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    strictSchema: config?.strictSchema === true,
    scheme: config?.scheme ?? {},
    ...(config?.now !== undefined ? { now: config.now } : {}),
    ...(config?.duplicateHorizonSeconds !== undefined ? { duplicateHorizonSeconds: config.duplicateHorizonSeconds } : {}),
  };
  const duplicatesOn = config?.duplicates ?? profile?.duplicates.onByDefault ?? false;
  const horizonSeconds = config?.duplicateHorizonSeconds ?? profile?.duplicates.horizonSeconds ?? 0;
  const found = usableSecrets(config?.secrets);
  const vendorSources = config?.vendorSources === true ? (profile?.sourceAddresses ?? []) : [];
  const sources = parseSourceAllowList([...sourceEntries(config?.allowedSources), ...vendorSources]);

  let problem: VerifyFailure | undefined;
  if (!profile) {
    problem = refuse('invalid_input', `Unknown vendor "${truncate(String(config?.vendor), 40)}"; use one of: ${vendorIds.join(', ')}.`);
  } else if (config?.vendorSources === true && vendorSources.length === 0) {
    problem = refuse('invalid_input', `${profile.label} publishes no addresses its webhooks come from; turn off "use the vendor's published addresses" and enter the allowed sources yourself.`);
  } else if (sources.problem) {
    problem = refuse('invalid_input', sources.problem);
  } else {
    problem = invalidOptions(options) ?? secretsProblem(found, profile.label, options.allowUnauthenticated === true);
  }
  const allowList = sources.list;
  const mode: ReceiverMode = problem?.code === 'not_configured' ? 'not_configured' : found.secrets.length === 0 ? 'unauthenticated' : 'secured';
  let ownStore: ReplayStore | undefined;

  const receiver: Receiver = {
    profile,
    problem,
    mode,
    maxBytes: typeof maxBytes === 'number' && Number.isFinite(maxBytes) && maxBytes > 0 ? maxBytes : DEFAULT_MAX_BYTES,
    types,
    duplicates: { on: duplicatesOn, horizonSeconds },
    allowedSources: allowList?.entries,
    checkSource(source) {
      if (problem) return decisionOfFailure(problem);
      if (!allowList) return undefined;
      if (typeof source !== 'string' || source.trim() === '') {
        return refusal('source_not_allowed', "The request's source address is unknown, so it cannot be checked against this receiver's allowed sources.");
      }
      if (allowList.allows(source)) return undefined;
      return refusal('source_not_allowed', `Requests from ${truncate(source.trim(), 64)} are not accepted: that address is not among this receiver's allowed sources.`);
    },
    receive(request) {
      try {
        const blocked = receiver.checkSource(request?.source);
        if (blocked) return blocked;
        if (request?.rawBody === undefined) return receiver.unreadable(request?.headers ?? {});
        const replayStore = duplicatesOn ? (request.replayStore ?? (ownStore ??= createMemoryReplayStore())) : undefined;
        const result = verify({
          vendor: profile!.id,
          rawBody: request.rawBody,
          headers: request.headers,
          secrets: found.secrets,
          options: replayStore ? { ...options, replayStore } : options,
        });
        if (!result.ok) return decisionOfFailure(result);
        const event = result.event;
        if (unchosen === 'ignore') {
          if (types.length > 0 && !types.includes(event.type)) return ignored(event);
          return accepted(event, result.authentication, 0);
        }
        return accepted(event, result.authentication, outputIndexForType(types, event.type));
      } catch (error) {
        return refusal('invalid_input', `The request could not be checked: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    tooLarge() {
      const limit = receiver.maxBytes;
      // As verify() words it: the size is not named, since a host that stops reading at the limit cannot know it.
      return refusal('body_too_large', `The body is over the ${limit}-byte limit.`);
    },
    timedOut(afterMs = DEFAULT_READ_TIMEOUT_MS) {
      return refusal('request_timeout', `The body did not arrive within ${Math.round(afterMs / 1000)} s.`);
    },
    unreadable(headers) {
      return decisionOfFailure(refuseUnreadableBody(headers, profile?.label));
    },
    safeHeaders(headers) {
      return safeHeaders(headers, profile, options.scheme);
    },
  };
  return receiver;
}
