/**
 * Which addresses the server may connect to when it calls a URL a tenant gave it (today the
 * assistant's smsWebhookUrl). Without this, a tenant could make the server POST to its own
 * loopback services, the private network behind it or the cloud metadata endpoint.
 *
 * Three classes of address:
 * - public: anything routable on the internet;
 * - private: loopback, RFC 1918, CGNAT (100.64/10), IPv6 unique-local (fc00::/7); allowed only
 *   with ALLOW_PRIVATE_WEBHOOK_URLS=true (development and tests, where sinks run on 127.0.0.1);
 * - forbidden whatever the setting says: link-local (169.254/16, fe80::/10, where cloud metadata
 *   lives), the known metadata addresses, unspecified, broadcast, multicast and the reserved
 *   ranges.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, the
 * translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96 and 6to4 2002::/16) are judged by that IPv4
 * address.
 *
 * URLs are parsed with WHATWG `new URL()`, which already turns odd IPv4 spellings (`127.1`,
 * `2130706433`, `0x7f000001`, `017700000001`, percent-encoded digits) into dotted quads, so a
 * literal address is checked in the same form a connection would use. Host names are checked
 * when a connection is made, through `guardedLookup`: every address the name resolves to is
 * checked before connecting, so a name that resolves differently later (DNS rebinding) is
 * caught too.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';

export interface OutboundPolicy {
  /** ALLOW_PRIVATE_WEBHOOK_URLS: loopback and private ranges may be called. */
  allowPrivate: boolean;
}

export type AddressClass = 'public' | 'private' | 'forbidden';

/** Metadata services that sit at addresses the ranges alone would not forbid. */
const FORBIDDEN_ADDRESSES = new Set([
  'fd00:ec2::254', // AWS instance metadata over IPv6 (unique-local)
  '100.100.100.200', // Alibaba Cloud metadata (in CGNAT space)
  '168.63.129.16', // Azure platform endpoint (wireserver)
]);

/** Names of metadata services, refused before any lookup (they may resolve through the host's own resolver). */
const FORBIDDEN_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
]);

const PRIVATE_V4 = new Set(['loopback', 'private', 'carrierGradeNat']);
const PRIVATE_V6 = new Set(['loopback', 'uniqueLocal']);

/** A refused destination. `code` is what the forwarding log shows. */
export class BlockedAddressError extends Error {
  readonly code = 'BLOCKED_ADDRESS';
  constructor(readonly reason: 'private' | 'forbidden', readonly address: string) {
    super(
      reason === 'private'
        ? 'the address is loopback or private (set ALLOW_PRIVATE_WEBHOOK_URLS=true to allow it)'
        : 'the address is link-local, a cloud metadata endpoint or reserved',
    );
    this.name = 'BlockedAddressError';
  }
}

/** The IPv4 address an IPv6 address stands for, when it embeds one. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts;
  const fromWords = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zero = (from: number, to: number) => p.slice(from, to).every((w) => w === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (RFC 6145 translated).
  if (zero(0, 5) && p[5] === 0xffff) return fromWords(p[6], p[7]);
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return fromWords(p[6], p[7]);
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 are themselves, not 0.0.0.0 and 0.0.0.1.
  if (zero(0, 6) && !(p[6] === 0 && p[7] <= 1)) return fromWords(p[6], p[7]);
  // NAT64 well-known prefix 64:ff9b::/96.
  if (p[0] === 0x64 && p[1] === 0xff9b && zero(2, 6)) return fromWords(p[6], p[7]);
  // 6to4: 2002:AABB:CCDD::/48 routes to a.b.c.d.
  if (p[0] === 0x2002) return fromWords(p[1], p[2]);
  return null;
}

function classifyParsed(address: ipaddr.IPv4 | ipaddr.IPv6): AddressClass {
  if (FORBIDDEN_ADDRESSES.has(address.toNormalizedString()) || FORBIDDEN_ADDRESSES.has(address.toString())) return 'forbidden';
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const v4 = embeddedIPv4(v6);
    if (v4) return classifyParsed(v4);
    const range = v6.range();
    if (range === 'unicast') return 'public';
    return PRIVATE_V6.has(range) ? 'private' : 'forbidden';
  }
  const range = (address as ipaddr.IPv4).range();
  if (range === 'unicast') return 'public';
  return PRIVATE_V4.has(range) ? 'private' : 'forbidden';
}

/** Classifies an IP address (dotted quad or IPv6, without brackets or zone). Anything unparsable is forbidden. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // Strict forms only: a resolver or URL parser hands over canonical text, so anything looser is suspect.
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return 'forbidden';
  return classifyParsed(ipaddr.parse(bare));
}

/** Whether an address is this machine's loopback (127/8, ::1, or those embedded in IPv6). */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return false;
  const parsed = ipaddr.parse(bare);
  const v4 = parsed.kind() === 'ipv6' ? embeddedIPv4(parsed as ipaddr.IPv6) : (parsed as ipaddr.IPv4);
  return (v4 ?? parsed).range() === 'loopback';
}

/** Throws BlockedAddressError unless the policy lets the server connect to `address`. */
export function checkAddress(address: string, policy: OutboundPolicy): void {
  const kind = classifyAddress(address);
  if (kind === 'public' || (kind === 'private' && policy.allowPrivate)) return;
  throw new BlockedAddressError(kind === 'private' ? 'private' : 'forbidden', address);
}

/** The IP literal a WHATWG-parsed hostname stands for ("[::1]" → "::1"), or null for a name. */
export function ipLiteral(hostname: string): string | null {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  // WHATWG leaves IPv4 hosts as canonical dotted quads; a name never ends in a number.
  return ipaddr.IPv4.isValidFourPartDecimal(hostname) ? hostname : null;
}

/**
 * Checks a URL's host before anything is sent: an IP literal is judged now (a connection to a
 * literal never asks the resolver, so `guardedLookup` would not see it), metadata names are
 * refused, and other names are left to `guardedLookup` at connect time.
 */
export function checkUrlHost(url: URL, policy: OutboundPolicy): void {
  const literal = ipLiteral(url.hostname);
  if (literal !== null) return checkAddress(literal, policy);
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  if (FORBIDDEN_NAMES.has(name)) throw new BlockedAddressError('forbidden', name);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/http/tls connections: resolves the name as dns.lookup would, then refuses
 * the connection (BlockedAddressError) when any address it resolved to is not allowed, so the
 * socket only ever opens to an address that was checked.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return function lookup(hostname: string, options: LookupOneOptions | LookupAllOptions | number, callback: LookupCallback): void {
    const opts = typeof options === 'number' ? { family: options } : (options ?? {});
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (FORBIDDEN_NAMES.has(name)) return callback(new BlockedAddressError('forbidden', name), '', 0);
    dnsLookup(hostname, { ...opts, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      try {
        if (addresses.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
        for (const { address } of addresses) checkAddress(address, policy);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if ((opts as LookupAllOptions).all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
