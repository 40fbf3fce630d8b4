import cookie from "@fastify/cookie";
import type { Database } from "@tradeboard/db";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import type { ApiConfig } from "./env.ts";
import { useAuth } from "./plugins/auth.ts";
import { useErrorMapping } from "./plugins/errors.ts";
import { useOriginGuard } from "./plugins/origin-guard.ts";
import { useZodValidation } from "./plugins/zod-validation.ts";
import { balancesRoutes } from "./routes/balances.ts";
import { healthRoutes } from "./routes/health.ts";
import { usersRoutes } from "./routes/users.ts";
import { LoginThrottle } from "./services/login-throttle.ts";

export type ServerConfig = Pick<
  ApiConfig,
  | "AUTH_SECRET"
  | "WEB_ORIGIN"
  | "CORS_ORIGINS"
  | "INITIAL_BALANCE"
  | "LOGIN_MAX_FAILURES_PER_EMAIL"
  | "LOGIN_MAX_FAILURES_PER_IP"
  | "LOGIN_WINDOW_SECONDS"
  | "TRUST_PROXY"
>;

/** Builds the api (plugins and routes) without listening: main.ts and the tests both use it. */
export async function buildServer(
  deps: { database: Database; config: ServerConfig },
  options: { logger?: FastifyServerOptions["logger"] } = {},
): Promise<FastifyInstance> {
  const { database, config } = deps;
  const db = database.db;
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    // One readable line per request (below) instead of Fastify's two JSON ones.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.addHook("onResponse", async (request, reply) => {
    request.log.info(`${request.method} ${request.url} → ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
  });
  useZodValidation(app);
  useErrorMapping(app);
  await app.register(cookie);
  await useOriginGuard(app, [config.WEB_ORIGIN, ...config.CORS_ORIGINS]);
  useAuth(app, { db, authSecret: config.AUTH_SECRET });

  const throttle = new LoginThrottle({
    perEmail: config.LOGIN_MAX_FAILURES_PER_EMAIL,
    perIp: config.LOGIN_MAX_FAILURES_PER_IP,
    windowMs: config.LOGIN_WINDOW_SECONDS * 1000,
  });

  healthRoutes(app, { database });
  usersRoutes(app, { db, initialBalance: config.INITIAL_BALANCE, throttle });
  balancesRoutes(app, { db });
  return app;
}
