import "server-only";
import { createHmac } from "node:crypto";
import type { ErrorBody } from "@tradeboard/contracts";
import { serverEnv } from "@/env";
import { isInternalApiPath } from "./internal-path";

/** The header and derivation the api expects on internal endpoints (see apps/api/src/auth/service-key.ts). */
export const SERVICE_KEY_HEADER = "x-tradeboard-service-key";
function serviceKey(secret: string): string {
  return createHmac("sha256", secret).update("tradeboard internal service key v1").digest("base64url");
}

export function backendUnavailable(status: 502 | 503, message: string): Response {
  const body: ErrorBody = { error: { code: "backend_unavailable", message } };
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** Hop-by-hop headers belong to one connection and are never forwarded. */
export const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
];

/**
 * Forwards a browser's /api/* request to the api unchanged — method, path,
 * query, body and cookies — and streams the answer back. When the api is down
 * or slow the browser gets JSON it can show, not Next's plain-text 500.
 */
export async function forwardToApi(request: Request, clientIp: string | undefined): Promise<Response> {
  const env = serverEnv();
  const incoming = new URL(request.url);
  // Only the web server calls /api/internal/*, straight at the api with its key: never forwarded.
  if (isInternalApiPath(incoming.pathname)) {
    const body: ErrorBody = {
      error: { code: "not_found", message: `The api has no route ${request.method} ${incoming.pathname}` },
    };
    return Response.json(body, { status: 404, headers: { "cache-control": "no-store" } });
  }
  const target = new URL(incoming.pathname + incoming.search, env.API_URL);

  const headers = new Headers(request.headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  // Only the web server may present the service key; never pass one through from a browser.
  headers.delete(SERVICE_KEY_HEADER);
  headers.set("x-forwarded-host", incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  // The api trusts this hop's X-Forwarded-For: it carries the address the web server resolved, never the client's own.
  if (clientIp) headers.set("x-forwarded-for", clientIp);
  else headers.delete("x-forwarded-for");

  const hasBody = request.method !== "GET" && request.method !== "HEAD" && request.body !== null;
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(env.API_TIMEOUT_MS),
      // Needed by Node's fetch to stream a request body.
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return timedOut
      ? backendUnavailable(503, "The trading service took too long to answer. Please try again.")
      : backendUnavailable(502, "The trading service is unavailable right now. Please try again shortly.");
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    // fetch already decoded the body, so its encoding and length no longer apply.
    if (name === "set-cookie" || name === "content-encoding" || HOP_BY_HOP.includes(name)) return;
    responseHeaders.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append("set-cookie", cookie);
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}

export type InternalResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; code: string }
  | { ok: false; status: 0; code: "backend_unavailable" };

/** Server-to-server call to an internal api endpoint, with the service key. */
export async function callInternal<T>(path: string, body: unknown): Promise<InternalResult<T>> {
  const env = serverEnv();
  try {
    const response = await fetch(new URL(path, env.API_URL), {
      method: "POST",
      headers: { "content-type": "application/json", [SERVICE_KEY_HEADER]: serviceKey(env.AUTH_SECRET) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(env.API_TIMEOUT_MS),
      cache: "no-store",
    });
    const data = (await response.json().catch(() => null)) as unknown;
    if (response.ok) return { ok: true, data: data as T };
    const code = (data as ErrorBody | null)?.error?.code ?? "unexpected";
    return { ok: false, status: response.status, code };
  } catch {
    return { ok: false, status: 0, code: "backend_unavailable" };
  }
}
