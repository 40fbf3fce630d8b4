import {
  createVerificationTokenBody,
  emailLinkAllowBody,
  emailSignInBody,
  linkedAccountParams,
  oauthSignInBody,
  passwordResetCompleteBody,
  passwordResetRequestBody,
  setPasswordBody,
  userLookupBody,
  useVerificationTokenBody,
} from "@tradeboard/contracts";
import type { FastifyInstance } from "fastify";
import { toUserResponse } from "../plugins/auth.ts";
import type { ZodTypeProvider } from "../plugins/zod-validation.ts";
import {
  allowLinkRequest,
  completePasswordReset,
  createSignInToken,
  emailSignIn,
  lookUpUser,
  oauthSignIn,
  requestPasswordReset,
  type SignInDeps,
  setPassword,
  signInMethods,
  toAdapterUser,
  unlinkAccount,
  useSignInToken,
} from "../services/sign-in.ts";

/**
 * OAuth / OpenID Connect accounts, emailed sign-in links and passwords. The
 * internal endpoints are what the web app's Auth.js adapter and callbacks call
 * (with the service key); the web app never opens the database.
 */
export function signInRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const internal = { onRequest: app.requireService };

  r.post("/api/internal/auth/oauth", { ...internal, schema: { body: oauthSignInBody } }, async (req) => {
    const { user, outcome } = await oauthSignIn(deps, req.body);
    return { user: toUserResponse(user), outcome };
  });

  r.post("/api/internal/auth/lookup", { ...internal, schema: { body: userLookupBody } }, async (req) => {
    const user = await lookUpUser(deps, req.body);
    return { user: user ? toAdapterUser(user) : null };
  });

  r.post("/api/internal/auth/email-sign-in", { ...internal, schema: { body: emailSignInBody } }, async (req) => {
    const { user, created } = await emailSignIn(deps, req.body.email);
    return { user: toAdapterUser(user), created };
  });

  r.post(
    "/api/internal/auth/email-link/allow",
    { ...internal, schema: { body: emailLinkAllowBody } },
    async (req, reply) => {
      allowLinkRequest(deps, req.body.email, req.body.ip);
      return reply.code(204).send();
    },
  );

  r.post(
    "/api/internal/auth/verification-tokens",
    { ...internal, schema: { body: createVerificationTokenBody } },
    async (req, reply) => {
      const expires = await createSignInToken(deps, req.body);
      return reply.code(201).send({ token: { identifier: req.body.identifier, expires: expires.toISOString() } });
    },
  );

  r.post(
    "/api/internal/auth/verification-tokens/use",
    { ...internal, schema: { body: useVerificationTokenBody } },
    async (req) => {
      const token = await useSignInToken(deps, req.body);
      return { token: token ? { identifier: token.identifier, expires: token.expires.toISOString() } : null };
    },
  );

  r.post(
    "/api/internal/auth/password-reset/request",
    { ...internal, schema: { body: passwordResetRequestBody } },
    async (req) => {
      const { token, expiresAt } = await requestPasswordReset(deps, req.body);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  );

  r.post(
    "/api/internal/auth/password-reset/complete",
    { ...internal, schema: { body: passwordResetCompleteBody } },
    async (req) => {
      const { user, endedSessions } = await completePasswordReset(deps, req.body);
      return { user: toUserResponse(user), endedSessions };
    },
  );

  r.get("/api/users/me/sign-in-methods", { onRequest: app.requireSession }, async (req, reply) => {
    reply.header("cache-control", "no-store");
    return signInMethods(deps, req.user);
  });

  r.delete(
    "/api/users/me/accounts/:provider/:providerAccountId",
    { onRequest: app.requireSession, schema: { params: linkedAccountParams } },
    async (req, reply) => {
      await unlinkAccount(deps, req.user, req.params);
      return reply.code(204).send();
    },
  );

  r.put("/api/users/me/password", { onRequest: app.requireSession, schema: { body: setPasswordBody } }, async (req) =>
    setPassword(deps, { user: req.user, sessionId: req.sessionId, body: req.body, ip: req.ip }),
  );
}
