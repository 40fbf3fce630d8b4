import "server-only";
import { Agent, type IncomingMessage, type OutgoingHttpHeaders, request, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { ErrorBody } from "@tradeboard/contracts";
import { serverEnv } from "@/env";
import { HOP_BY_HOP, SERVICE_KEY_HEADER } from "./backend";
import { isInternalApiPath } from "./internal-path";

/** Connections to the api are kept open and reused, as fetch does. */
const agents = { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export interface ForwardContext {
  /** What `forwardToApi` sets as X-Forwarded-Host and -Proto: the Host the browser used, and its scheme. */
  host: string;
  proto: string;
  /** The client's address as this server resolved it (lib/client-ip.ts); never what the client claims. */
  clientIp: string | undefined;
  /** Headers every answer gets first (the security headers of next.config.ts); the api's own come after. */
  headers: readonly { key: string; value: string }[];
}

function answerJson(res: ServerResponse, status: number, body: ErrorBody): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

const unavailable = (message: string): ErrorBody => ({ error: { code: "backend_unavailable", message } });

/**
 * The forward of `forwardToApi` (lib/backend.ts) on Node's own request and
 * response: the same promises (method, path, query, body and cookies intact,
 * hop-by-hop headers and the service key dropped, X-Forwarded-* set, internal
 * paths refused, JSON 502/503 when the api is down or slow), without turning
 * either side into a web Request and Response and back, which cost more than
 * the forward itself. The bytes pass through unchanged both ways (a
 * compressed answer stays compressed, its length stays right).
 */
export function forwardNode(req: IncomingMessage, res: ServerResponse, url: URL, context: ForwardContext): void {
  const method = req.method ?? "GET";
  if (isInternalApiPath(url.pathname)) {
    answerJson(res, 404, { error: { code: "not_found", message: `The api has no route ${method} ${url.pathname}` } });
    return;
  }
  const env = serverEnv();
  const target = new URL(url.pathname + url.search, env.API_URL);

  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === SERVICE_KEY_HEADER) continue;
    // The body is passed on as it came, so its length still holds; everything else hop-by-hop stays here.
    if (HOP_BY_HOP.includes(name) && name !== "content-length") continue;
    headers[name] = value;
  }
  headers["x-forwarded-host"] = context.host;
  headers["x-forwarded-proto"] = context.proto;
  // The api trusts this hop's X-Forwarded-For: it carries the address this server resolved.
  if (context.clientIp) headers["x-forwarded-for"] = context.clientIp;
  else delete headers["x-forwarded-for"];

  const secure = target.protocol === "https:";
  const upstream = (secure ? httpsRequest : request)(target, {
    method,
    headers,
    agent: secure ? agents.https : agents.http,
  });
  let answered = false;
  const timer = setTimeout(() => {
    upstream.destroy();
    if (!answered) {
      answered = true;
      answerJson(res, 503, unavailable("The trading service took too long to answer. Please try again."));
    } else res.destroy();
  }, env.API_TIMEOUT_MS);
  upstream.on("error", () => {
    clearTimeout(timer);
    if (answered) {
      res.destroy();
      return;
    }
    answered = true;
    answerJson(res, 502, unavailable("The trading service is unavailable right now. Please try again shortly."));
  });
  upstream.on("response", (answer) => {
    if (answered) {
      answer.destroy();
      return;
    }
    answered = true;
    for (const { key, value } of context.headers) res.setHeader(key, value);
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || (HOP_BY_HOP.includes(name) && name !== "content-length")) continue;
      res.setHeader(name, value);
    }
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage);
    answer.on("end", () => clearTimeout(timer));
    answer.on("error", () => res.destroy());
    answer.pipe(res);
  });
  // A browser that goes away takes its forwarded call with it.
  res.on("close", () => {
    clearTimeout(timer);
    if (!res.writableFinished) upstream.destroy();
  });
  req.on("error", () => upstream.destroy());
  // Without a body the request's head goes out in one write; a body streams through as it comes.
  if ((method === "GET" || method === "HEAD") && !req.headers["content-length"] && !req.headers["transfer-encoding"])
    upstream.end();
  else req.pipe(upstream);
}
