import proxyAddr from "@fastify/proxy-addr";

export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY read as Fastify reads it for `req.ip` (the same library), so a
 * WebSocket upgrade, which Fastify's routing never sees, gets the same client
 * address: "true" trusts every hop, "false" none, otherwise a comma-separated
 * list of addresses, CIDR ranges or loopback, linklocal, uniquelocal.
 */
export function compileTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === "" || text === "false") return () => false;
  if (text === "true") return () => true;
  return proxyAddr.compile(
    text
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  );
}
