/**
 * The SSRF guard for Node: the address rules live in the pure core (`delivery/address-rules`, shared
 * with the n8n nodes), this module adds what needs `node:net`. Node-only module (the CLI and Node-RED
 * import it).
 */
import { isIP } from 'node:net';
import { isBlockedAddress as isBlockedByRules, parseIpv6 } from '../delivery/address-rules';

/**
 * True when a webhook must not be sent to this address: private, loopback, link-local, CGNAT, metadata,
 * documentation, multicast and reserved ranges, for IPv4 and IPv6 (IPv4-mapped `::ffff:0:0/96`,
 * IPv4-translated, NAT64 and 6to4 addresses are judged by the IPv4 address they carry). Anything that
 * is not an IP address is refused.
 */
export function isBlockedAddress(address: string): boolean {
  const withoutZone = String(address).replace(/%.*$/, ''); // fe80::1%eth0: the zone names an interface, not an address
  if (isIP(withoutZone) === 0) return true;
  return isBlockedByRules(withoutZone);
}

/** True when a URL's host is a loopback name or address the user typed on purpose (the CLI's "explicitly local"). */
export function isExplicitlyLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return (parseIpv6(host) ?? []).every((g, i) => g === (i === 7 ? 1 : 0));
  return false;
}
