import { BlockList, isIP } from "node:net";

/** IPv4 networks a webhook must never reach: private, loopback, link-local, shared, multicast, reserved. */
const internalV4 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  internalV4.addSubnet(network, prefix, "ipv4");
}

/**
 * IPv6 networks refused outright. `::/96` (IPv4-compatible, deprecated) holds
 * `::` and `::1` and may be routed to the embedded IPv4; `64:ff9b:1::/48` is
 * the local-use NAT64 prefix, translated into whatever the operator chose.
 * NAT64's well-known `64:ff9b::/96`, 6to4's `2002::/16` and IPv4-mapped
 * `::ffff:0:0/96` are judged by the IPv4 address they carry instead (below):
 * on an IPv6-only host with DNS64 every public name resolves into
 * `64:ff9b::/96`, so refusing the whole prefix would refuse every webhook.
 */
const internalV6 = new BlockList();
for (const [network, prefix] of [
  ["::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  internalV6.addSubnet(network, prefix, "ipv6");
}

/** True for any address a webhook may not reach, and for anything that is not an IP address. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return internalV4.check(address, "ipv4");
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (!bytes) return true;
  const embedded = embeddedIpv4(bytes);
  if (embedded) return internalV4.check(embedded, "ipv4");
  return internalV6.check(address, "ipv6");
}

/** The IPv4 address carried by an IPv4-mapped, NAT64 (well-known prefix) or 6to4 address. */
function embeddedIpv4(b: Uint8Array): string | null {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const v4 = (at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  // ::ffff:a.b.c.d
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  // 64:ff9b::a.b.c.d (RFC 6052 well-known prefix, /96)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  // 2002:AABB:CCDD::/48 (6to4: the IPv4 address follows the prefix)
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return null;
}

/** The 16 bytes of an IPv6 address (dotted IPv4 tail allowed, zone id ignored), or null. */
function ipv6Bytes(address: string): Uint8Array | null {
  let text = address.split("%")[0] ?? "";
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail) {
    const parts = tail.split(".").map(Number);
    const hex = (hi = 0, lo = 0) => ((hi << 8) | lo).toString(16);
    text = `${text.slice(0, -tail.length)}${hex(parts[0], parts[1])}:${hex(parts[2], parts[3])}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...rest];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  return bytes;
}

/** Refuses a webhook URL whose host is literally an internal address (names are checked when resolved). */
export function checkWebhookUrl(url: string, allowInternal: boolean): string | null {
  const { protocol, hostname } = new URL(url);
  if (protocol !== "http:" && protocol !== "https:") return "webhookUrl must be an http(s) URL";
  const host = hostname.replace(/^\[|\]$/g, "");
  if (!allowInternal && (host === "localhost" || (isIP(host) !== 0 && isInternalAddress(host)))) {
    return "webhookUrl may not point at a private, loopback or link-local address";
  }
  return null;
}
