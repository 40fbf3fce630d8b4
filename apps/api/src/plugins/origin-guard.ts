import cors from "@fastify/cors";
import type { FastifyInstance } from "fastify";
import { readKeyCredentials } from "../auth/api-key-credentials.ts";
import { AppError } from "../errors.ts";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Browsers attach the session cookie on their own, so a state-changing request
 * from a foreign page must not be acted on. Requests without an Origin (curl,
 * bots, the web server itself) carry no ambient browser credentials of a victim,
 * and neither do requests that present an API key: they are judged by the key
 * alone (never by a cookie they may carry), which a foreign page does not have.
 */
export async function useOriginGuard(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const allowed = new Set(allowedOrigins.map((o) => new URL(o).origin));
  await app.register(cors, {
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
  });
  app.addHook("onRequest", async (request) => {
    const origin = request.headers.origin;
    if (!STATE_CHANGING.has(request.method) || origin === undefined) return;
    if (readKeyCredentials(request.headers)) return;
    if (!allowed.has(origin)) {
      throw new AppError("cross_origin_refused", `Requests from origin ${origin} are not allowed to change data.`);
    }
  });
}
