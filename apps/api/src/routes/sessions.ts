import {
  createSessionBody,
  type EndSessionsResponse,
  type ListSessionsResponse,
  sessionIdParams,
  sessionRefBody,
} from "@tradeboard/contracts";
import { type Db, findUserById } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import type { SessionRegistry } from "../auth/session-registry.ts";
import { AppError } from "../errors.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";

/** Signed-in sessions: created at sign-in, ended by signing out or from Settings → Sessions. */
export function sessionsRoutes(app: FastifyInstance, deps: { db: Db; sessions: SessionRegistry }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    "/api/internal/sessions",
    { onRequest: app.requireService, schema: { body: createSessionBody } },
    async (req, reply) => {
      const user = await findUserById(deps.db, req.body.userId);
      if (!user) throw new AppError("not_found", "No such user.");
      const session = await deps.sessions.create({ userId: user.id, userAgent: req.body.userAgent ?? null });
      return reply.code(201).send({ sessionId: session.id });
    },
  );

  // Signing out: idempotent, so a second sign-out (or one after the session was ended elsewhere) is fine.
  r.post(
    "/api/internal/sessions/end",
    { onRequest: app.requireService, schema: { body: sessionRefBody } },
    async (req, reply) => {
      await deps.sessions.end(req.body.sessionId, req.body.userId);
      return reply.code(204).send();
    },
  );

  r.post(
    "/api/internal/sessions/check",
    { onRequest: app.requireService, schema: { body: sessionRefBody } },
    async (req) => ({ active: await deps.sessions.isActive(req.body.sessionId, req.body.userId) }),
  );

  r.get(
    "/api/users/me/sessions",
    { onRequest: app.requireSession },
    async (req, reply): Promise<ListSessionsResponse> => {
      reply.header("cache-control", "no-store");
      const rows = await deps.sessions.list(req.user.id);
      return {
        sessions: rows.map((row) => ({
          id: row.id,
          userAgent: row.userAgent,
          createdAt: row.createdAt.toISOString(),
          lastSeenAt: row.lastSeenAt.toISOString(),
          current: row.id === req.sessionId,
        })),
      };
    },
  );

  r.delete(
    "/api/users/me/sessions/:id",
    { onRequest: app.requireSession, schema: { params: sessionIdParams } },
    async (req, reply) => {
      if (!(await deps.sessions.end(req.params.id, req.user.id))) {
        throw new AppError("not_found", "No such session is signed in to your account.");
      }
      return reply.code(204).send();
    },
  );

  r.post(
    "/api/users/me/sessions/end-others",
    { onRequest: app.requireSession },
    async (req): Promise<EndSessionsResponse> => ({
      ended: await deps.sessions.endAll(req.user.id, { except: req.sessionId }),
    }),
  );
}
