/**
 * The web app in production (`npm start`): Next's own handler for the pages and for
 * /api/auth/* (Auth.js), and every other /api/* call forwarded from here, before Next's
 * routing. Through Next (its router, then the app route that forwards) a forwarded call
 * cost several times the call itself; here it costs about what the forward does
 * (bench/results/forward.md). The forward is the same function the route handler
 * (src/app/api/[...path]/route.ts, which `next dev` serves) calls, with the same
 * headers Next would have given the request, so both keep the same promises: method,
 * path, query, body and cookies forwarded, the service-key header stripped, X-Forwarded-*
 * set, JSON 502/503 when the api is down or slow. Answers get the security headers
 * next.config.ts gives every path, read from the build.
 *
 * Usage: tsx server.ts [-p PORT] [-H HOST]
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { register } from "node:module";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

// `server-only` guards client bundles (Next compiles those on its own); this process is
// server code, where importing the forwarder is what it is for.
register(
  `data:text/javascript,${encodeURIComponent(
    'export async function resolve(specifier, context, next) { return specifier === "server-only" ? { url: "data:text/javascript,", shortCircuit: true } : next(specifier, context); }',
  )}`,
);

const { default: next } = await import("next");
const { forwardToApi } = await import("./src/lib/backend.ts");
const { clientIp } = await import("./src/lib/client-ip.ts");
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

async function forward(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  // The X-Forwarded-* headers Next sets on a request before its routes see it (only when absent).
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = req.headers["x-forwarded-proto"] ?? (secure ? "https" : "http");
  req.headers["x-forwarded-host"] ??= req.headers.host;
  req.headers["x-forwarded-port"] ??= String(port);
  req.headers["x-forwarded-proto"] ??= secure ? "https" : "http";
  req.headers["x-forwarded-for"] ??= req.socket.remoteAddress;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(`${proto}://${req.headers.host ?? `localhost:${port}`}${url.pathname}${url.search}`, {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
    // Needed by Node's fetch to stream a request body.
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
  const response = await forwardToApi(request, clientIp(request));

  for (const { regex, headers: configured } of configuredHeaders) {
    if (regex.test(url.pathname)) for (const { key, value } of configured) res.setHeader(key, value);
  }
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  res.writeHead(response.status, response.statusText);
  if (!response.body || method === "HEAD") {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  body.on("error", () => res.destroy());
  res.on("close", () => body.destroy());
  body.pipe(res);
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
  forward(req, res, url).catch((error: unknown) => {
    console.error("forward failed", error);
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(
        JSON.stringify({
          error: { code: "backend_unavailable", message: "The trading service is unavailable right now." },
        }),
      );
    } else res.destroy();
  });
});
server.listen(port, hostname, () => {
  console.log(`▲ Tradeboard web on http://${hostname ?? "localhost"}:${port}`);
});
