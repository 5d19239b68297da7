/**
 * Which client a per-address limit counts a connection, a login or a wrong token against.
 *
 * An IPv4 address is one client. An IPv6 host is given a whole /64 (RFC 4291 §2.5.1: interface
 * ids are 64 bits; RFC 8981 temporary addresses change every day), so one attacker holds 2^64
 * addresses and each one, counted alone, had a limit of its own: every door's per-address cap and
 * throttle was 2^64 times wider over IPv6 (red team, HTTP follow-up). A /64 is therefore one key,
 * as one IPv4 address is. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket
 * reports for an IPv4 client, RFC 4291 §2.5.5.2) is its IPv4 address, so one client is one key on
 * either kind of socket. `::1` is loopback alone, not the /64 around it.
 *
 * Text that is no address at all (only a peer's own report can be: EMQX's `peerhost`) is one key,
 * `unknown`, shared with a socket that has no address: made-up text opens no new limits.
 */
export const unknownAddressKey = 'unknown';

/** The limit key of a remote address: the IPv4 address, or the IPv6 /64 prefix (`2001:db8:1:2::/64`). */
export function addressKey(address: string | undefined | null): string {
  const parsed = parseAddress(address);
  if (parsed === null) return unknownAddressKey;
  if (parsed.kind === 'v4') return parsed.text;
  if (isIpv6Loopback(parsed.groups)) return '::1';
  return `${formatIpv6([...parsed.groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/**
 * One spelling of an address (RFC 5952: lower case, longest run of zeros compressed, no zone id;
 * an IPv4-mapped address as its IPv4), or null for text that is no address. For exemption lists,
 * which name single addresses: `0:0::1` in a setting spares the `::1` a socket reports.
 */
export function canonicalAddress(address: string | undefined | null): string | null {
  const parsed = parseAddress(address);
  if (parsed === null) return null;
  return parsed.kind === 'v4' ? parsed.text : formatIpv6(parsed.groups);
}

/**
 * Whether a remote address is one a setting spares from a per-address limit (loopback by default:
 * `127.0.0.1`, `::1`, `::ffff:127.0.0.1`). Exact addresses, never prefixes: sparing a proxy's
 * IPv6 address must not spare every neighbour of its /64.
 */
export function createExemption(addresses: readonly string[]): (address: string | undefined | null) => boolean {
  const spared = new Set<string>();
  for (const entry of addresses) {
    const canonical = canonicalAddress(entry);
    if (canonical !== null) spared.add(canonical);
  }
  return (address) => {
    const canonical = canonicalAddress(address);
    return canonical !== null && spared.has(canonical);
  };
}

type Parsed = { readonly kind: 'v4'; readonly text: string } | { readonly kind: 'v6'; readonly groups: readonly number[] };

// The longest an IPv6 text can be (RFC 4291 §2.2 form 3: 45 characters); a Linux zone (an interface
// name or index) is at most 15, any printable ASCII but `%` (RFC 4007 §11.2 leaves its form to the system).
const maxIpv6Length = 45;
const maxZoneLength = 64;

function parseAddress(address: string | undefined | null): Parsed | null {
  if (typeof address !== 'string' || address.length === 0 || address.length > maxIpv6Length + 1 + maxZoneLength) return null;
  const v4 = parseIpv4(address);
  if (v4 !== null) return { kind: 'v4', text: v4.join('.') };
  const groups = parseIpv6(address);
  if (groups === null) return null;
  if (isIpv4Mapped(groups)) return { kind: 'v4', text: [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.') };
  return { kind: 'v6', groups };
}

/** Four decimal octets, no leading zeros (inet_pton refuses them: `010` would be octal elsewhere). */
function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** The eight 16-bit groups of an IPv6 text (RFC 4291 §2.2), its zone id (RFC 4007 §11) dropped. */
function parseIpv6(text: string): number[] | null {
  const percent = text.indexOf('%');
  if (percent >= 0) {
    const zone = text.slice(percent + 1);
    if (zone.length === 0 || zone.length > maxZoneLength || !/^[!-$&-~]+$/.test(zone)) return null;
    text = text.slice(0, percent);
  }
  if (text.length > maxIpv6Length) return null;
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const head = readGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? readGroups(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  // `::` stands for one group of zeros or more.
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Colon-separated groups; the last may be dotted IPv4 (two groups) when `last` says it ends the address. */
function readGroups(text: string, last: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i]!;
    if (last && i === parts.length - 1 && part.includes('.')) {
      const octets = parseIpv4(part);
      if (octets === null) return null;
      groups.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/.test(part)) return null;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

const isIpv4Mapped = (groups: readonly number[]) => groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
const isIpv6Loopback = (groups: readonly number[]) => groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1;

/** RFC 5952 §4: lower-case hex without leading zeros, the longest run of two or more zero groups (the first of equals) as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
