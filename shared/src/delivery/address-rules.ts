/**
 * Which addresses a webhook must not be sent to (the SSRF guard's rules), and URL redaction. Written
 * without `node:net` so that n8n nodes can use the same rules: private, loopback, link-local, CGNAT,
 * metadata, documentation, multicast and reserved ranges for IPv4 and IPv6. IPv6 addresses that carry an
 * IPv4 address (IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) are judged by that IPv4 address. Pure module (n8n may load it).
 */

export type Range = readonly [network: readonly number[], prefix: number];

// IPv4 as 4 bytes.
const BLOCKED_V4: readonly Range[] = [
  [[0, 0, 0, 0], 8], // "this network" (0.0.0.0 reaches the local host on Linux)
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // CGNAT (also Alibaba's metadata 100.100.100.200)
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata 169.254.169.254)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 31, 196, 0], 24], // AS112
  [[192, 52, 193, 0], 24], // AMT
  [[192, 88, 99, 0], 24], // 6to4 relay
  [[192, 168, 0, 0], 16], // private
  [[192, 175, 48, 0], 24], // AS112
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved and broadcast
];

// IPv6 as 8 groups of 16 bits. Ranges that carry an IPv4 address are handled before these.
const BLOCKED_V6: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0], 96], // unspecified ::, loopback ::1 and the deprecated IPv4-compatible ::a.b.c.d
  [[0x100, 0, 0, 0, 0, 0, 0, 0], 64], // discard
  [[0x2001, 0, 0, 0, 0, 0, 0, 0], 23], // IETF protocol assignments (Teredo, benchmarking, ORCHID)
  [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32], // documentation
  [[0x3fff, 0, 0, 0, 0, 0, 0, 0], 20], // documentation
  [[0xfc00, 0, 0, 0, 0, 0, 0, 0], 7], // unique local (AWS metadata fd00:ec2::254)
  [[0xfe80, 0, 0, 0, 0, 0, 0, 0], 10], // link-local
  [[0xfec0, 0, 0, 0, 0, 0, 0, 0], 10], // site-local
  [[0xff00, 0, 0, 0, 0, 0, 0, 0], 8], // multicast
  [[0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48], // local-use NAT64
];

/** Whether `value` (bytes or 16-bit groups) lies in the range `network/prefix`; also used by the receivers' source allow-list (host/sources.ts). */
export function inRange(value: readonly number[], [network, prefix]: Range, bitsPerPart: number): boolean {
  let left = prefix;
  for (let i = 0; i < network.length && left > 0; i++) {
    const bits = Math.min(bitsPerPart, left);
    const shift = bitsPerPart - bits;
    if ((value[i] as number) >>> shift !== (network[i] as number) >>> shift) return false;
    left -= bits;
  }
  return true;
}

/** The four bytes of a dotted-decimal IPv4 address (no leading zeros, as URLs normalise them), or undefined. */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or undefined when it is not one. */
export function parseIpv6(text: string): number[] | undefined {
  // A zone id (`fe80::1%eth0`) as node:net accepts it: one or more of [0-9A-Za-z.:-]; a bare `%` is no address.
  let rest = text.replace(/%[0-9a-zA-Z.:-]+$/, '').toLowerCase();
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (dotted) {
    const v4 = parseIpv4(dotted[2] as string);
    if (!v4) return undefined;
    tail = [((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number)];
    rest = dotted[1] as string;
    if (!rest.endsWith('::')) rest = rest.slice(0, -1); // "a:b:c:d:e:f:" → "a:b:c:d:e:f"; "::ffff:" → "::ffff"
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] as string);
  if (!head) return undefined;
  if (halves.length === 1) {
    const all = [...head, ...tail];
    return all.length === 8 ? all : undefined;
  }
  const after = groupsOf(halves[1] as string);
  if (!after) return undefined;
  const known = head.length + after.length + tail.length;
  if (known > 7) return undefined;
  return [...head, ...Array<number>(8 - known).fill(0), ...after, ...tail];
}

/** The IPv4 address carried in an IPv6 address (mapped, translated, NAT64, 6to4), if any. */
function embeddedIpv4(g: readonly number[]): number[] | undefined {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6] as number, g[7] as number); // ::ffff:0:0/96, IPv4-mapped
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return v4(g[6] as number, g[7] as number); // ::ffff:0:0:0/96, IPv4-translated
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6] as number, g[7] as number); // 64:ff9b::/96, NAT64
  if (g[0] === 0x2002) return v4(g[1] as number, g[2] as number); // 2002::/16, 6to4
  return undefined;
}

function isBlockedV4(bytes: readonly number[]): boolean {
  return BLOCKED_V4.some((range) => inRange(bytes, range, 8));
}

/**
 * True when a webhook must not be sent to this IP address. Anything that is not an IP address is
 * refused too (the guard only passes addresses it can judge).
 */
export function isBlockedAddress(address: string): boolean {
  const text = String(address).replace(/^\[|\]$/g, '');
  const v4 = parseIpv4(text);
  if (v4) return isBlockedV4(v4);
  const v6 = parseIpv6(text);
  if (!v6) return true;
  const carried = embeddedIpv4(v6);
  if (carried) return isBlockedV4(carried);
  return BLOCKED_V6.some((range) => inRange(v6, range, 16));
}

/** The host of a URL as the guard judges it: no brackets, no trailing dot, lower case. */
function bareHost(hostname: string): string {
  return String(hostname).replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/** True when the host is an IP literal (v4 or v6). */
export function isIpLiteral(hostname: string): boolean {
  const host = bareHost(hostname);
  return parseIpv4(host) !== undefined || parseIpv6(host) !== undefined;
}

/**
 * What can be judged from a URL's host name without resolving it: a literal private, loopback,
 * link-local or reserved IP address, or `localhost` / `*.localhost`. A DNS name that resolves to a private
 * address is NOT caught here (that needs the resolved address; see the Node transport's guard).
 */
export function isPrivateHostLiteral(hostname: string): boolean {
  const host = bareHost(hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (parseIpv4(host) !== undefined || parseIpv6(host) !== undefined) return isBlockedAddress(host);
  return false;
}
