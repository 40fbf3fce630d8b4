import type { ApiKeyScope, UserResponse } from "@tradeboard/contracts";
import type { UserRow } from "@tradeboard/db";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readKeyCredentials } from "../auth/api-key-credentials.ts";
import { deriveServiceKey, isServiceKey, SERVICE_KEY_HEADER } from "../auth/service-key.ts";
import { SessionReader } from "../auth/session.ts";
import type { SessionRegistry } from "../auth/session-registry.ts";
import type { UserCache } from "../auth/user-cache.ts";
import { AppError } from "../errors.ts";
import type { ApiKeyService } from "../services/api-keys.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `requireUser` / `requireAdmin` / `requireSession` hooks. */
    user: UserRow;
    /** The API key the request was authenticated with; null for the browser session. */
    apiKey: { id: string; scope: ApiKeyScope } | null;
    /** The signed-in session of the request; "" when an API key authenticated it. */
    sessionId: string;
  }
  interface FastifyInstance {
    /** The session cookie or an API key (whose scope allows the method). */
    requireUser(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** The browser session only: managing keys, wallets and secrets is never done with a key. */
    requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    requireAdmin(request: FastifyRequest): Promise<void>;
    requireService(request: FastifyRequest): Promise<void>;
  }
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Checks an API key on a request; rate limits and such hook in through `onKey`. */
export interface KeyAuthenticator {
  keys: ApiKeyService;
  /** Called once a key is verified, before the route runs (rate limiting). */
  onKey?(request: FastifyRequest, reply: FastifyReply, key: { id: string; scope: ApiKeyScope }): Promise<void>;
}

/**
 * The api trusts only what it verifies: the session cookie it decrypts itself,
 * or an API key it checks against the stored hash; then the user as the
 * database has it (read at most a second ago, and again at once after a change
 * this process made: a deleted user or a changed role takes effect whatever the
 * token says; see auth/user-cache.ts), and a cookie only while its session has not
 * ended (signed out, or ended from Settings). A request that presents a key is
 * judged by the key alone, never by a cookie it may also carry.
 */
export function useAuth(
  app: FastifyInstance,
  deps: { users: UserCache; authSecret: string; keyAuth: KeyAuthenticator; sessions: SessionRegistry },
): void {
  const serviceKey = deriveServiceKey(deps.authSecret);
  const sessions = new SessionReader(deps.authSecret);
  app.decorateRequest("user", null as unknown as UserRow);
  app.decorateRequest("apiKey", null);
  app.decorateRequest("sessionId", "");

  async function fromSession(request: FastifyRequest): Promise<UserRow> {
    const session = await sessions.read(request.cookies);
    const live = session?.sessionId ? await deps.sessions.isActive(session.sessionId, session.userId) : false;
    const user = session && live ? await deps.users.find(session.userId) : null;
    if (!session?.sessionId || !user) throw new AppError("unauthorized", "Sign in to continue.");
    request.sessionId = session.sessionId;
    return user;
  }

  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply | null,
    allowKey: boolean,
  ): Promise<UserRow> {
    const credentials = readKeyCredentials(request.headers);
    if (!credentials) return fromSession(request);
    if (!allowKey) throw new AppError("forbidden", "This needs the browser session; an API key cannot do it.");
    const verified = await deps.keyAuth.keys.verify(credentials.keyId, credentials.secret);
    if (!verified) throw new AppError("unauthorized", "The API key is unknown or revoked, or its secret is wrong.");
    request.apiKey = verified.key;
    if (reply) await deps.keyAuth.onKey?.(request, reply, verified.key);
    if (verified.key.scope === "read" && !READ_METHODS.has(request.method)) {
      throw new AppError("forbidden", "This API key has the read scope; it cannot change anything.");
    }
    return verified.user;
  }

  app.decorate("requireUser", async (request: FastifyRequest, reply: FastifyReply) => {
    request.user = await authenticate(request, reply, true);
  });
  app.decorate("requireSession", async (request: FastifyRequest) => {
    request.user = await authenticate(request, null, false);
  });
  app.decorate("requireAdmin", async (request: FastifyRequest) => {
    request.user = await authenticate(request, null, false);
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
