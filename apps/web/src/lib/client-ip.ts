import "server-only";
import { CLIENT_ADDRESS_HEADER } from "./client-address";

/**
 * The client's address as the web server resolved it from the socket (and, with
 * WEB_TRUST_PROXY, from the trusted proxies' X-Forwarded-For): see
 * lib/client-address.ts and instrumentation.ts. Never what the client claims.
 */
export function clientIp(request: Request): string | undefined {
  return request.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined;
}
