import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  /** The `name=value` pairs of the response's Set-Cookie headers. */
  cookies: string[];
}

/**
 * One HTTP request exactly as given: the path is sent byte for byte (fetch would
 * normalise `..`, `%2e` and the like), and `localAddress` picks the client's
 * address on the loopback range (127.0.0.2, 127.0.0.3, …) so that tests of
 * per-address limits each have an address of their own.
 */
export function rawRequest(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string; localAddress?: string } = {},
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: base.port,
        method: options.method ?? "GET",
        path,
        localAddress: options.localAddress,
        headers: { host: base.host, ...options.headers },
        timeout: 30_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const setCookie = res.headers["set-cookie"] ?? [];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json,
            cookies: setCookie.map((c) => c.split(";")[0] ?? ""),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${path} timed out`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/**
 * Signs in through the web app's Auth.js credentials endpoint as a browser's
 * form post does (CSRF token and cookie first), from `localAddress`.
 */
export async function credentialsSignIn(
  webUrl: string,
  fields: { email: string; password: string; callbackUrl?: string },
  options: { localAddress?: string; headers?: OutgoingHttpHeaders } = {},
) {
  const csrf = await rawRequest(webUrl, "/api/auth/csrf", { localAddress: options.localAddress });
  const { csrfToken } = csrf.json as { csrfToken: string };
  const response = await rawRequest(webUrl, "/api/auth/callback/credentials", {
    method: "POST",
    localAddress: options.localAddress,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: csrf.cookies.join("; "),
      origin: webUrl,
      ...options.headers,
    },
    body: new URLSearchParams({ ...fields, csrfToken }).toString(),
  });
  const location = typeof response.headers.location === "string" ? response.headers.location : "";
  return {
    status: response.status,
    location,
    session: response.cookies.find((c) => c.startsWith("authjs.session-token=")),
    code: location ? new URL(location, webUrl).searchParams.get("code") : null,
  };
}
