import { listUsersQuery, registerBody, verifyPasswordBody } from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { toUserResponse } from "../plugins/auth.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import { admitRegistration, checkCredentials, listUsersPage, registerUser, type UsersDeps } from "../services/users.ts";

export function usersRoutes(app: FastifyInstance, deps: UsersDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post("/api/users", { schema: { body: registerBody } }, async (req, reply) => {
    admitRegistration(deps, req.ip);
    const user = await registerUser(deps, req.body);
    return reply.code(201).send(toUserResponse(user));
  });

  r.get("/api/users/me", { onRequest: app.requireUser }, async (req) => toUserResponse(req.user));

  r.get("/api/users", { onRequest: app.requireAdmin, schema: { querystring: listUsersQuery } }, async (req) => {
    const page = await listUsersPage(deps, req.query);
    return { users: page.rows.map(toUserResponse), page: page.page, pageSize: page.pageSize, total: page.total };
  });

  r.post(
    "/api/internal/auth/verify-password",
    { onRequest: app.requireService, schema: { body: verifyPasswordBody } },
    async (req) => ({ user: toUserResponse(await checkCredentials(deps, req.body)) }),
  );
}
