import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { FaceStreamError } from '../errors/index.js';

/**
 * SSRF guard of webhook targets. A webhook URL is user input (any API client with rule rights
 * sets it), so the hub must not become a proxy into its own network: the target's host is
 * resolved once, every resolved address is classified, and the request then connects to
 * exactly those addresses (see pinnedLookup), so a DNS answer that changes between the check
 * and the connection (DNS rebinding) cannot reach an address that was not checked.
 */

/**
 * Why an address is not a public unicast address:
 * - private, loopback, cgnat: refused unless notify.allowPrivateTargets (LAN deployments)
 * - metadata: cloud metadata and platform services (AWS IPv6 fd00:ec2::254, Alibaba
 *   100.100.100.200, Azure wireserver 168.63.129.16, Oracle 192.0.0.192 ...; 169.254.169.254
 *   is link-local): refused always, whatever allowPrivateTargets says (the classic SSRF prize,
 *   also on a LAN deployment in a cloud VM), even where they sit inside a private range
 * - link-local, unspecified, multicast, broadcast, reserved: refused always (no HTTP receiver
 *   lives there)
 */
export type AddressClass = 'metadata' | 'loopback' | 'private' | 'cgnat' | 'link-local' | 'unspecified' | 'multicast' | 'broadcast' | 'reserved';

/**
 * Cloud metadata and platform addresses outside link-local (checked before every range, so a
 * private or public range that holds one cannot let it through): AWS's IPv6 instance metadata
 * (fd00:ec2::254) and DNS (fd00:ec2::253), Alibaba Cloud's metadata (100.100.100.200, inside
 * CGNAT), Azure's wireserver (168.63.129.16, a public address) and Oracle Cloud's metadata
 * (192.0.0.192). IPv4 entries also match when embedded in IPv6 (mapped, NAT64, 6to4).
 */
const metadataV4 = new Set(['100.100.100.200', '168.63.129.16', '192.0.0.192']);
const metadataV6 = new Set(['fd00:0ec2:0000:0000:0000:0000:0000:0254', 'fd00:0ec2:0000:0000:0000:0000:0000:0253']);
const hex16 = (b: number[]) => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16).padStart(4, '0')).join(':');

/** Classes that notify.allowPrivateTargets lets through. */
export const lanClasses: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'cgnat']);

export interface ResolvedAddress { address: string; family: 4 | 6 }
/** Resolves a host name to all its addresses (dns.lookup with all: true); injectable for tests. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) => new Promise((ok, fail) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
    if (err) fail(err);
    else ok(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
  });
});

/** A refused webhook target: permanent (retrying cannot change the answer), code E_WEBHOOK_TARGET. */
export class WebhookTargetError extends FaceStreamError {
  constructor(message: string) {
    super('E_WEBHOOK_TARGET', message);
    this.name = 'WebhookTargetError';
  }
}

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** 16 bytes of an IPv6 address (zone id removed, embedded dotted IPv4 allowed), or undefined. */
function parseIpv6(input: string): number[] | undefined {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const head = words(halves[0]!);
  const rest = halves.length > 1 ? words(halves[1]!) : [];
  const zeros = 8 - head.length - rest.length;
  const all = [...head, ...new Array<number>(Math.max(0, zeros)).fill(0), ...rest];
  if (all.length !== 8 || all.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  const bytes = all.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function classifyV4(b: number[]): AddressClass | null {
  const [a, c] = [b[0]!, b[1]!];
  if (metadataV4.has(b.join('.'))) return 'metadata';
  if (a === 0) return 'unspecified'; // 0.0.0.0/8 "this network" (0.0.0.0 reaches localhost on Linux)
  if (a === 127) return 'loopback';
  if (a === 10) return 'private';
  if (a === 172 && c >= 16 && c <= 31) return 'private';
  if (a === 192 && c === 168) return 'private';
  if (a === 100 && c >= 64 && c <= 127) return 'cgnat';
  if (a === 169 && c === 254) return 'link-local';
  if (a === 192 && c === 0 && b[2] === 0) return 'reserved'; // IETF protocol assignments
  if (a === 192 && c === 0 && b[2] === 2) return 'reserved'; // TEST-NET-1
  if (a === 198 && (c === 18 || c === 19)) return 'reserved'; // benchmarking
  if (a === 198 && c === 51 && b[2] === 100) return 'reserved'; // TEST-NET-2
  if (a === 203 && c === 0 && b[2] === 113) return 'reserved'; // TEST-NET-3
  if (a >= 224 && a <= 239) return 'multicast';
  if (b.every((x) => x === 255)) return 'broadcast';
  if (a >= 240) return 'reserved';
  return null;
}

function classifyV6(b: number[]): AddressClass | null {
  if (metadataV6.has(hex16(b))) return 'metadata';
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && b[15] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d: the IPv4 address decides
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (zeroUpTo(12)) return classifyV4(b.slice(12)) ?? 'reserved';
  // IPv4-translated ::ffff:0:a.b.c.d (SIIT)
  if (zeroUpTo(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return classifyV4(b.slice(12)) ?? 'reserved';
  // NAT64 64:ff9b::/96 embeds the IPv4 target; 64:ff9b:1::/48 is local-use NAT64
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (b.slice(4, 12).every((x) => x === 0)) return classifyV4(b.slice(12));
    if (b[4] === 0 && b[5] === 1) return 'private';
  }
  // 6to4 2002::/16 embeds an IPv4 address in bytes 2..5
  if (b[0] === 0x20 && b[1] === 0x02) return classifyV4(b.slice(2, 6));
  if (b[0] === 0xff) return 'multicast';
  if ((b[0]! & 0xfe) === 0xfc) return 'private'; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'private'; // fec0::/10 site-local (deprecated)
  if (b[0] === 0x01 && b[1] === 0 && b.slice(2, 8).every((x) => x === 0)) return 'reserved'; // 100::/64 discard
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved'; // documentation
  return null;
}

/**
 * The class of a literal IP address, null for a public unicast address. Throws on a string
 * that is not an IP address (callers pass resolver output or URL hostnames, which the WHATWG
 * URL parser has already normalised: http://2130706433/ and http://0x7f.1/ are 127.0.0.1).
 */
export function classifyAddress(address: string): AddressClass | null {
  const unbracketed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseIpv4(unbracketed);
  if (v4) return classifyV4(v4);
  const v6 = parseIpv6(unbracketed);
  if (v6) return classifyV6(v6);
  throw new Error(`not an IP address: ${address.slice(0, 100)}`);
}

/** Is an address of this class refused under this policy? */
export const isRefused = (cls: AddressClass | null, allowPrivate: boolean): boolean =>
  cls !== null && !(allowPrivate && lanClasses.has(cls));

export interface TargetPolicy {
  /** notify.allowPrivateTargets */
  allowPrivate: boolean;
  resolve?: HostResolver;
}

/** A checked target: the URL, the host name to send as Host/SNI and the addresses to connect to. */
export interface CheckedTarget {
  url: URL;
  /** Host name as the socket and TLS see it (IPv6 without brackets). */
  hostname: string;
  addresses: ResolvedAddress[];
}

const hint = (allowPrivate: boolean, cls: AddressClass) =>
  !allowPrivate && lanClasses.has(cls) ? '; set notify.allowPrivateTargets: true for receivers on the LAN' : '';

/** Host part of a URL for messages: no credentials, no path, bounded. */
const shown = (u: URL) => u.host.slice(0, 255);

/**
 * Parse a webhook URL, resolve its host (once) and check every address. Throws
 * WebhookTargetError (permanent) for a malformed URL or a refused address; resolver errors
 * (DNS down, unknown name) propagate unchanged (transient: the delivery is retried).
 */
export async function checkWebhookTarget(rawUrl: string, policy: TargetPolicy): Promise<CheckedTarget> {
  if (rawUrl.length > 2000) throw new WebhookTargetError('webhook URL is longer than 2000 characters');
  let url: URL;
  try { url = new URL(rawUrl); } catch { throw new WebhookTargetError('webhook URL is not an absolute URL'); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetError(`webhook URL scheme ${url.protocol} is not http: or https:`);
  if (!url.hostname) throw new WebhookTargetError('webhook URL has no host');
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // RFC 6761: localhost and *.localhost are loopback whatever a resolver says
  if (/(^|\.)localhost\.?$/i.test(hostname) && isRefused('loopback', policy.allowPrivate)) {
    throw new WebhookTargetError(`webhook target ${shown(url)} is a loopback address: refused${hint(policy.allowPrivate, 'loopback')}`);
  }
  let addresses: ResolvedAddress[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 }];
  } else {
    addresses = await (policy.resolve ?? systemResolver)(hostname);
    if (addresses.length === 0) throw new Error(`webhook host ${shown(url)} has no address`);
  }
  for (const a of addresses) {
    let cls: AddressClass | null;
    try { cls = classifyAddress(a.address); } catch { throw new WebhookTargetError(`webhook host ${shown(url)} resolved to something that is not an IP address`); }
    if (isRefused(cls, policy.allowPrivate)) {
      const via = a.address === hostname ? '' : ` resolves to ${a.address}, which`;
      throw new WebhookTargetError(`webhook target ${shown(url)}${via} is a ${cls} address: refused${hint(policy.allowPrivate, cls!)}`);
    }
  }
  return { url, hostname, addresses };
}

/**
 * The refusal of a URL whose host is a literal IP address (rule creation: an obvious mistake is
 * reported at once), null when it may be fine (host names are checked at send time only).
 */
export function literalTargetProblem(rawUrl: string, allowPrivate: boolean): string | null {
  let url: URL;
  try { url = new URL(rawUrl); } catch { return 'webhook URL is not an absolute URL'; }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!isIP(host)) return null;
  const cls = classifyAddress(host);
  return isRefused(cls, allowPrivate) ? `webhook target ${url.host} is a ${cls} address: refused${hint(allowPrivate, cls!)}` : null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * A net/tls `lookup` that answers with the already checked addresses and never asks DNS again.
 * Node calls it with { all: true } when autoSelectFamily (happy eyeballs) is on.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]) {
  return (_hostname: string, options: unknown, callback?: LookupCallback): void => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean; family?: number | string };
    const family = opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : Number(opts.family ?? 0);
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : [...addresses];
    if (usable.length === 0) {
      const err = Object.assign(new Error('no checked address of the requested family'), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException;
      process.nextTick(() => cb(err, opts.all ? [] : ''));
      return;
    }
    process.nextTick(() => {
      if (opts.all) cb(null, usable.map((a) => ({ address: a.address, family: a.family })));
      else cb(null, usable[0]!.address, usable[0]!.family);
    });
  };
}
