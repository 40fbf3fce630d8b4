import type { RealtimeTokenResponse } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import type { RealtimeTokens } from "../auth/realtime-token.ts";

export function realtimeRoutes(app: FastifyInstance, deps: { tokens: RealtimeTokens }): void {
  app.get(
    "/api/realtime/token",
    { onRequest: app.requireSession },
    async (req, reply): Promise<RealtimeTokenResponse> => {
      const { token, expiresAt } = deps.tokens.issue(req.user.id, req.sessionId);
      reply.header("cache-control", "no-store");
      return { token, expiresAt: expiresAt.toISOString() };
    },
  );
}
