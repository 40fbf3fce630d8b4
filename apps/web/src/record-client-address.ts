import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { serverEnv } from "@/env";
import { CLIENT_ADDRESS_HEADER, clientAddress, compileTrustProxy } from "@/lib/client-address";

/**
 * Next.js passes a request's socket address to the app only by filling in
 * X-Forwarded-For when the client sent none, so a client that sends one picks
 * its own address. Node announces every request the server receives on this
 * diagnostics channel, with its socket, before any handler sees it: here the
 * address is resolved from the socket and written into a header of our own,
 * over anything the client sent under that name.
 */
const trust = compileTrustProxy(serverEnv().WEB_TRUST_PROXY);

function onRequestStart(message: unknown): void {
  const { request } = message as { request: IncomingMessage };
  const address = clientAddress(request, trust);
  if (address) request.headers[CLIENT_ADDRESS_HEADER] = address;
  else delete request.headers[CLIENT_ADDRESS_HEADER];
}

subscribe("http.server.request.start", onRequestStart);
