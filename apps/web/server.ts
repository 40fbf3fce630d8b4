/**
 * The web app in production (`npm start`): Next's own handler for the pages and for
 * /api/auth/* (Auth.js), and every other /api/* call forwarded from here, before Next's
 * routing. Through Next (its router, then the app route that forwards) a forwarded call
 * cost several times the call itself; here it costs about what the forward does
 * (bench/results/forward.md). The forward (src/lib/forward-node.ts) works on Node's own
 * request and response and keeps the promises of the route handler's
 * (src/app/api/[...path]/route.ts, lib/backend.ts, which `next dev` serves), with the
 * headers Next would have given the request: method, path, query, body and cookies
 * forwarded, the service-key header stripped, X-Forwarded-* set, JSON 502/503 when the
 * api is down or slow. Answers get the security headers next.config.ts gives every
 * path, read from the build.
 *
 * Usage: tsx server.ts [-p PORT] [-H HOST]
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { register } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// `server-only` guards client bundles (Next compiles those on its own); this process is
// server code, where importing the forwarder is what it is for.
register(
  `data:text/javascript,${encodeURIComponent(
    'export async function resolve(specifier, context, next) { return specifier === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(specifier, context); }',
  )}`,
);

const { default: next } = await import("next");
const { forwardNode } = await import("./src/lib/forward-node.ts");
const { CLIENT_ADDRESS_HEADER } = await import("./src/lib/client-address.ts");
// The client's address from the socket (WEB_TRUST_PROXY decides whose X-Forwarded-For counts),
// written over whatever a client sends in its place, for every request this server receives.
// Next's instrumentation loads the same module; importing it here does not depend on when it does.
await import("./src/record-client-address.ts");

function option(names: string[]): string | undefined {
  const at = process.argv.findIndex((arg) => names.includes(arg));
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const port = Number(option(["-p", "--port"]) ?? 3000);
const hostname = option(["-H", "--hostname"]);
const dir = fileURLToPath(new URL(".", import.meta.url));
const distDir = process.env.NEXT_DIST_DIR || ".next";

const app = next({ dev: false, dir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

/** The headers next.config.ts's `headers()` gives each path, as the build wrote them. */
const configuredHeaders = (
  JSON.parse(readFileSync(join(dir, distDir, "routes-manifest.json"), "utf8")) as {
    headers: { regex: string; headers: { key: string; value: string }[] }[];
  }
).headers.map((h) => ({ regex: new RegExp(h.regex), headers: h.headers }));

/** Paths the api answers: /api/* but Auth.js's /api/auth and /api/auth/*; a trailing slash is Next's to redirect. */
function isForwarded(pathname: string): boolean {
  if (!pathname.startsWith("/api/") || pathname.endsWith("/")) return false;
  return !(pathname === "/api/auth" || pathname.startsWith("/api/auth/"));
}

/** The forward itself is lib/forward-node.ts; here the same X-Forwarded-* Next would have set first. */
function forward(req: IncomingMessage, res: ServerResponse, url: URL): void {
  // The X-Forwarded-* headers Next sets on a request before its routes see it (only when absent).
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const sent = req.headers["x-forwarded-proto"];
  const proto = (Array.isArray(sent) ? sent[0] : sent) ?? (secure ? "https" : "http");
  req.headers["x-forwarded-host"] ??= req.headers.host;
  req.headers["x-forwarded-port"] ??= String(port);
  req.headers["x-forwarded-proto"] ??= secure ? "https" : "http";
  req.headers["x-forwarded-for"] ??= req.socket.remoteAddress;
  const address = req.headers[CLIENT_ADDRESS_HEADER];
  forwardNode(req, res, url, {
    host: req.headers.host ?? `localhost:${port}`,
    proto,
    clientIp: typeof address === "string" ? address : undefined,
    headers: configuredHeaders.filter((h) => h.regex.test(url.pathname)).flatMap((h) => h.headers),
  });
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (!isForwarded(url.pathname)) {
    handle(req, res).catch((error: unknown) => {
      console.error("request failed", error);
      if (!res.headersSent) res.writeHead(500).end();
    });
    return;
  }
  try {
    forward(req, res, url);
  } catch (error) {
    console.error("forward failed", error);
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(
        JSON.stringify({
          error: { code: "backend_unavailable", message: "The trading service is unavailable right now." },
        }),
      );
    } else res.destroy();
  }
});
server.listen(port, hostname, () => {
  console.log(`▲ Tradeboard web on http://${hostname ?? "localhost"}:${port}`);
});
