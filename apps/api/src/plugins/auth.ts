import type { UserResponse } from "@tradeboard/contracts";
import { type Db, findUserById, type UserRow } from "@tradeboard/db";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { deriveServiceKey, isServiceKey, SERVICE_KEY_HEADER } from "../auth/service-key.ts";
import { SessionReader } from "../auth/session.ts";
import { AppError } from "../errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `requireUser` / `requireAdmin` hooks. */
    user: UserRow;
  }
  interface FastifyInstance {
    requireUser(request: FastifyRequest): Promise<void>;
    requireAdmin(request: FastifyRequest): Promise<void>;
    requireService(request: FastifyRequest): Promise<void>;
  }
}

/**
 * The api trusts only what it verifies: the session cookie it decrypts itself,
 * then the user as the database has it now (so a deleted user or a changed role
 * takes effect at once, whatever the token says).
 */
export function useAuth(app: FastifyInstance, deps: { db: Db; authSecret: string }): void {
  const serviceKey = deriveServiceKey(deps.authSecret);
  const sessions = new SessionReader(deps.authSecret);
  app.decorateRequest("user", null as unknown as UserRow);

  async function authenticate(request: FastifyRequest): Promise<UserRow> {
    const session = await sessions.read(request.cookies);
    const user = session ? await findUserById(deps.db, session.userId) : null;
    if (!user) throw new AppError("unauthorized", "Sign in to continue.");
    return user;
  }

  app.decorate("requireUser", async (request: FastifyRequest) => {
    request.user = await authenticate(request);
  });
  app.decorate("requireAdmin", async (request: FastifyRequest) => {
    request.user = await authenticate(request);
    if (request.user.role !== "admin") throw new AppError("forbidden", "This needs an administrator.");
  });
  // Internal endpoints pretend not to exist for anyone without the key.
  app.decorate("requireService", async (request: FastifyRequest) => {
    const presented = request.headers[SERVICE_KEY_HEADER];
    if (!isServiceKey(typeof presented === "string" ? presented : undefined, serviceKey)) {
      throw new AppError("not_found", `The api has no route ${request.method} ${request.url.split("?")[0]}`);
    }
  });
}

export function toUserResponse(row: UserRow): UserResponse {
  return { id: row.id, name: row.name, email: row.email, role: row.role, createdAt: row.createdAt.toISOString() };
}
