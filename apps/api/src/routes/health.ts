import type { HealthResponse } from "@tradeboard/contracts";
import type { Database } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";

export function healthRoutes(app: FastifyInstance, deps: { database: Database }): void {
  const startedAt = Date.now();
  app.get("/api/health", async (_req, reply) => {
    const up = await deps.database.ping();
    const body: HealthResponse = {
      status: up ? "ok" : "degraded",
      database: { status: up ? "up" : "down", driver: deps.database.driver },
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    return reply.code(up ? 200 : 503).send(body);
  });
}
