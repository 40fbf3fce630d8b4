import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";

/**
 * The header the web server itself writes on every request it receives: the
 * client's address as resolved below (see instrumentation.ts). Whatever a
 * client sends under this name is overwritten before anything reads it.
 */
export const CLIENT_ADDRESS_HEADER = "x-tradeboard-client-address";

export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * WEB_TRUST_PROXY, read as Fastify reads the api's TRUST_PROXY (the same
 * library): unset or "false" trusts nobody, so the client's address is the
 * socket's; "true" trusts every hop; otherwise a comma-separated list of
 * addresses, CIDR ranges or the names loopback, linklocal and uniquelocal.
 * Throws on an entry it cannot read.
 */
export function compileTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? "";
  if (text === "" || text === "false") return () => false;
  if (text === "true") return () => true;
  return proxyAddr.compile(
    text
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  );
}

/**
 * The client's address: the socket's, unless the socket is a trusted proxy, in
 * which case X-Forwarded-For is read from the right, up to the first address
 * that is not trusted. Headers a client sends cannot choose what this answers.
 */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string | undefined {
  if (!request.socket?.remoteAddress) return undefined;
  return proxyAddr(request, trust);
}
