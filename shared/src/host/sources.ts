/**
 * A receiver's source allow-list: IPv4 / IPv6 addresses and CIDR ranges, parsed once when the receiver is
 * built, then matched against each request's source address before anything reads its body.
 *
 * Pure (n8n loads it, so no `node:net`): it reuses the SSRF guard's address parser and range test
 * (`delivery/address-rules.ts`). Every address and range is compared as IPv6, an IPv4 one as its
 * IPv4-mapped form (`::ffff:a.b.c.d`, `::ffff:0:0/96`), exactly as `node:net`'s BlockList does (checked by
 * test/core/source-allow-list.test.ts): an IPv4 entry matches a dual-stack socket's `::ffff:1.2.3.4`, and
 * an IPv6 range that covers `::ffff:0:0/96` matches IPv4 addresses.
 *
 * The address matched is the one the host's runtime gives (Express `req.ip`, which honours the runtime's
 * own trusted-proxy setting); X-Forwarded-For is never read here.
 */
import { inRange, parseIpv4, parseIpv6, type Range } from '../delivery/address-rules';
import { truncate } from '../results';

/** More entries than this is a configuration mistake (a pasted file), not an allow-list. */
export const MAX_SOURCE_ENTRIES = 1000;

export interface SourceAllowList {
  /** The entries as given (trimmed), for display. */
  readonly entries: readonly string[];
  /** Whether a source address (as `req.ip` gives it; brackets and zone id allowed) is in the list. */
  allows(address: string): boolean;
}

/** 8 groups of 16 bits; an IPv4 address as its IPv4-mapped form. */
function groupsOf(text: string): number[] | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIpv4(bare);
  if (v4) return [0, 0, 0, 0, 0, 0xffff, ((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number)];
  return parseIpv6(bare);
}

/** One entry as a range over IPv6 groups, or undefined when it is not an address or CIDR range. */
function parseEntry(entry: string): Range | undefined {
  const slash = entry.lastIndexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  if (address.includes('%')) return undefined; // a zone id belongs to one host's interface, not to a sender
  const groups = groupsOf(address);
  if (!groups) return undefined;
  const isV4 = parseIpv4(address.replace(/^\[(.*)\]$/, '$1')) !== undefined;
  const max = isV4 ? 32 : 128;
  if (slash === -1) return [groups, 128];
  const prefixText = entry.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return [groups, isV4 ? 96 + prefix : prefix];
}

/** The entries of a list or of text (separated by commas, spaces or new lines), trimmed, empty ones dropped. */
export function sourceEntries(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,;]+/) : [];
  return list.filter((entry) => typeof entry === 'string').map((entry) => (entry as string).trim()).filter((entry) => entry !== '');
}

/**
 * Parses an allow-list: `{ list }`, or `{ problem }` naming the first entry that is not an IPv4/IPv6
 * address or CIDR range. No entries: `{}` (every source allowed).
 */
export function parseSourceAllowList(value: unknown): { list?: SourceAllowList; problem?: string } {
  const entries = sourceEntries(value);
  if (entries.length === 0) return {};
  if (entries.length > MAX_SOURCE_ENTRIES) return { problem: `Allowed sources has ${entries.length} entries; at most ${MAX_SOURCE_ENTRIES} are taken (use CIDR ranges).` };
  const ranges: Range[] = [];
  for (const entry of entries) {
    const range = parseEntry(entry);
    if (!range) {
      return {
        problem: `Allowed sources: "${truncate(entry, 60)}" is not an IPv4 or IPv6 address or CIDR range (examples: 52.29.71.11, 10.0.0.0/8, 2001:db8::/32).`,
      };
    }
    ranges.push(range);
  }
  return {
    list: {
      entries,
      allows(address) {
        const groups = typeof address === 'string' ? groupsOf(address.trim()) : undefined;
        return groups !== undefined && ranges.some((range) => inRange(groups, range, 16));
      },
    },
  };
}
