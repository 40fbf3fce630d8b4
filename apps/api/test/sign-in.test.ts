import { encode } from "@auth/core/jwt";
import { type Database, findUserById, insertUser, insertWallet, listOauthAccounts } from "@tradeboard/db";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveServiceKey } from "../src/auth/service-key.ts";
import { hashPassword, verifyPassword } from "../src/services/passwords.ts";
import { TEST_SECRET, testApp, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";

const SERVICE = { "x-tradeboard-service-key": deriveServiceKey(TEST_SECRET) };
const COOKIE = "authjs.session-token";

describe.each(testDrivers)("provider accounts, emailed links and passwords, on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;
  let now = Date.now();

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app } = await testApp(database, { LINK_REQUESTS_PER_EMAIL: 3, LINK_REQUESTS_PER_IP: 5 }, { now: () => now }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const internal = (url: string, payload: unknown, headers: Record<string, string> = SERVICE) =>
    app.inject({ method: "POST", url, headers, payload: payload as object });
  const asUser = (cookie: string, method: "GET" | "PUT" | "DELETE" | "POST", url: string, payload?: object) =>
    app.inject({ method, url, headers: { cookie, origin: WEB_ORIGIN }, payload });

  async function signIn(userId: string) {
    const { sessionId } = (await internal("/api/internal/sessions", { userId, userAgent: "test" })).json() as {
      sessionId: string;
    };
    const token = await encode({ token: { sub: userId, sid: sessionId }, secret: TEST_SECRET, salt: COOKIE });
    return { sessionId, cookie: `${COOKIE}=${token}` };
  }
  const balance = async (cookie: string) =>
    ((await asUser(cookie, "GET", "/api/balances")).json() as { balances: { asset: string; available: string }[] })
      .balances;
  const oauth = (body: Record<string, unknown>) =>
    internal("/api/internal/auth/oauth", {
      provider: "oidc",
      email: null,
      emailVerified: false,
      name: null,
      ...body,
    });

  describe("OAuth and OpenID Connect accounts", () => {
    it("opens a paper account on the first sign-in and finds it again on the next", async () => {
      const first = await oauth({
        providerAccountId: `ada-${driver}`,
        email: `ada-${driver}@corp.example`,
        emailVerified: true,
        name: "Ada",
      });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({
        outcome: "created",
        user: { name: "Ada", email: `ada-${driver}@corp.example` },
      });
      const again = await oauth({ providerAccountId: `ada-${driver}`, email: `ada-${driver}@corp.example` });
      expect(again.json()).toMatchObject({ outcome: "signed_in", user: { id: first.json().user.id } });
      const { cookie } = await signIn(first.json().user.id);
      expect(await balance(cookie)).toEqual([
        expect.objectContaining({ asset: "USD", available: expect.stringMatching(/^100000(\.0*)?$/) }),
      ]);
      const lookup = await internal("/api/internal/auth/lookup", {
        provider: "oidc",
        providerAccountId: `ada-${driver}`,
      });
      expect(lookup.json().user).toMatchObject({ id: first.json().user.id, emailVerified: expect.any(String) });
    });

    it("links by a verified email, and refuses an unverified one with how to link it in Settings", async () => {
      const existing = await insertUser(database.db, {
        email: `bob-${driver}@example.com`,
        name: "Bob",
        passwordHash: await hashPassword("bob's long password"),
      });
      const refused = await oauth({
        provider: "github",
        providerAccountId: `gh-bob-${driver}`,
        email: `bob-${driver}@example.com`,
        emailVerified: false,
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: "oauth_email_unverified" });
      expect(refused.json().error.message).toContain("Settings");
      expect(await listOauthAccounts(database.db, existing.id)).toHaveLength(0);

      const linked = await oauth({
        provider: "google",
        providerAccountId: `google-bob-${driver}`,
        email: `bob-${driver}@example.com`,
        emailVerified: true,
      });
      expect(linked.json()).toMatchObject({ outcome: "linked_by_email", user: { id: existing.id } });
      expect(await listOauthAccounts(database.db, existing.id)).toHaveLength(1);
    });

    it("does not give a new account an address the provider did not verify", async () => {
      const res = await oauth({
        providerAccountId: `unverified-${driver}`,
        email: `nobody-${driver}@example.com`,
        emailVerified: false,
        name: "Nobody",
      });
      expect(res.json()).toMatchObject({ outcome: "created", user: { email: null, name: "Nobody" } });
    });

    it("links to the signed-in account from Settings, refuses one linked elsewhere, and unlinks but never the last way in", async () => {
      const owner = await insertUser(database.db, {
        email: `cat-${driver}@example.com`,
        name: "Cat",
        passwordHash: null,
      });
      await insertWallet(database.db, {
        address: `0x${driver === "pglite" ? "1" : "2"}${"0".repeat(39)}`,
        userId: owner.id,
        chainId: 1,
      });
      const session = await signIn(owner.id);
      const link = await oauth({
        provider: "github",
        providerAccountId: `gh-cat-${driver}`,
        email: "cat@elsewhere.example",
        emailVerified: true,
        linkTo: { userId: owner.id, sessionId: session.sessionId },
      });
      expect(link.json()).toMatchObject({ outcome: "linked", user: { id: owner.id } });

      // The ada account (another user) cannot be linked here.
      const taken = await oauth({
        providerAccountId: `ada-${driver}`,
        linkTo: { userId: owner.id, sessionId: session.sessionId },
      });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error.code).toBe("oauth_account_taken");

      // A linkTo whose session has ended is refused, and links nothing.
      const ended = await signIn(owner.id);
      await internal("/api/internal/sessions/end", { sessionId: ended.sessionId, userId: owner.id });
      const late = await oauth({
        provider: "google",
        providerAccountId: `google-cat-${driver}`,
        linkTo: { userId: owner.id, sessionId: ended.sessionId },
      });
      expect(late.statusCode).toBe(401);

      const methods = await asUser(session.cookie, "GET", "/api/users/me/sign-in-methods");
      expect(methods.json()).toMatchObject({
        hasPassword: false,
        wallets: 1,
        accounts: [{ provider: "github", providerAccountId: `gh-cat-${driver}`, email: "cat@elsewhere.example" }],
      });
      const address = `0x${driver === "pglite" ? "1" : "2"}${"0".repeat(39)}`;
      expect((await asUser(session.cookie, "DELETE", `/api/users/me/wallets/${address}`)).statusCode).toBe(204);
      const last = await asUser(session.cookie, "DELETE", `/api/users/me/accounts/github/gh-cat-${driver}`);
      expect(last.statusCode).toBe(409);
      expect(last.json().error.code).toBe("last_sign_in_method");
      const missing = await asUser(session.cookie, "DELETE", "/api/users/me/accounts/github/someone-else");
      expect(missing.statusCode).toBe(404);
      const badProvider = await asUser(session.cookie, "DELETE", "/api/users/me/accounts/myspace/1");
      expect(badProvider.statusCode).toBe(400);

      // With a password set, the provider can go.
      expect(
        (await asUser(session.cookie, "PUT", "/api/users/me/password", { password: "a brand new password" }))
          .statusCode,
      ).toBe(200);
      expect(
        (await asUser(session.cookie, "DELETE", `/api/users/me/accounts/github/gh-cat-${driver}`)).statusCode,
      ).toBe(204);
    });

    it("refuses bad input with 400 JSON and creates nothing", async () => {
      for (const body of [
        { providerAccountId: "" },
        { provider: "myspace", providerAccountId: "x" },
        { providerAccountId: "x", email: "not an email" },
        { providerAccountId: "x", linkTo: { userId: "nope", sessionId: "nope" } },
        { providerAccountId: "x", extra: true },
      ]) {
        const res = await oauth(body);
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe("validation_failed");
      }
      const lookup = await internal("/api/internal/auth/lookup", { provider: "oidc", providerAccountId: "x" });
      expect(lookup.json()).toEqual({ user: null });
      expect((await internal("/api/internal/auth/oauth", { provider: "oidc" }, {})).statusCode).toBe(404);
    });
  });

  describe("emailed sign-in links", () => {
    const email = () => `dee-${driver}@example.com`;

    it("uses a token once, and refuses it expired", async () => {
      const token = `token-${driver}-${"x".repeat(40)}`;
      const made = await internal("/api/internal/auth/verification-tokens", { identifier: email(), token });
      expect(made.statusCode).toBe(201);
      const expires = new Date(made.json().token.expires).getTime();
      expect(expires).toBe(now + 10 * 60_000);
      const wrongAddress = await internal("/api/internal/auth/verification-tokens/use", {
        identifier: "someone@example.com",
        token,
      });
      expect(wrongAddress.json()).toEqual({ token: null });
      const used = await internal("/api/internal/auth/verification-tokens/use", { identifier: email(), token });
      expect(used.json().token).toMatchObject({ identifier: email() });
      const again = await internal("/api/internal/auth/verification-tokens/use", { identifier: email(), token });
      expect(again.json()).toEqual({ token: null });

      const late = `late-${driver}-${"y".repeat(40)}`;
      await internal("/api/internal/auth/verification-tokens", { identifier: email(), token: late });
      now += 10 * 60_000 + 1;
      const expired = await internal("/api/internal/auth/verification-tokens/use", {
        identifier: email(),
        token: late,
      });
      expect(expired.json()).toEqual({ token: null });
    });

    it("stores only a hash of the token", async () => {
      const token = `stored-${driver}-${"z".repeat(40)}`;
      await internal("/api/internal/auth/verification-tokens", { identifier: email(), token });
      const rows = await database.db.query.verificationTokens.findMany();
      expect(rows.some((r) => r.tokenHash === token)).toBe(false);
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.tokenHash))).toBe(true);
    });

    it("opens an account for a new address with a verified email, and signs in to an existing one", async () => {
      const first = await internal("/api/internal/auth/email-sign-in", { email: email() });
      expect(first.json()).toMatchObject({ created: true, user: { email: email(), name: `dee-${driver}` } });
      expect(first.json().user.emailVerified).toEqual(expect.any(String));
      const second = await internal("/api/internal/auth/email-sign-in", { email: email().toUpperCase() });
      expect(second.json()).toMatchObject({ created: false, user: { id: first.json().user.id } });
      const { cookie } = await signIn(first.json().user.id);
      expect(await balance(cookie)).toEqual([
        expect.objectContaining({ asset: "USD", available: expect.stringMatching(/^100000(\.0*)?$/) }),
      ]);
    });

    it("limits link requests per address and per client", async () => {
      const allow = (address: string, ip: string) =>
        internal("/api/internal/auth/email-link/allow", { email: address, ip });
      for (let i = 0; i < 3; i++) expect((await allow(`flood-${driver}@example.com`, "10.0.0.1")).statusCode).toBe(204);
      const limited = await allow(`flood-${driver}@example.com`, "10.0.0.2");
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("rate_limited");
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      // Per client: five requests from one address in all, whatever the email.
      for (let i = 0; i < 2; i++)
        expect((await allow(`spray-${i}-${driver}@example.com`, "10.0.0.1")).statusCode).toBe(204);
      expect((await allow(`spray-9-${driver}@example.com`, "10.0.0.1")).statusCode).toBe(429);
    });
  });

  describe("passwords", () => {
    it("changes a password with the current one and ends every other session", async () => {
      const user = await insertUser(database.db, {
        email: `eve-${driver}@example.com`,
        name: "Eve",
        passwordHash: await hashPassword("the first password"),
      });
      const here = await signIn(user.id);
      const there = await signIn(user.id);
      const missing = await asUser(here.cookie, "PUT", "/api/users/me/password", { password: "the second password" });
      expect(missing.statusCode).toBe(400);
      const wrong = await asUser(here.cookie, "PUT", "/api/users/me/password", {
        currentPassword: "not the password",
        password: "the second password",
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().error.code).toBe("wrong_password");
      const short = await asUser(here.cookie, "PUT", "/api/users/me/password", {
        currentPassword: "the first password",
        password: "short",
      });
      expect(short.statusCode).toBe(400);
      expect((await asUser(there.cookie, "GET", "/api/users/me")).statusCode).toBe(200);

      const changed = await asUser(here.cookie, "PUT", "/api/users/me/password", {
        currentPassword: "the first password",
        password: "the second password",
      });
      expect(changed.json()).toEqual({ endedSessions: 1 });
      expect((await asUser(there.cookie, "GET", "/api/users/me")).statusCode).toBe(401);
      expect((await asUser(here.cookie, "GET", "/api/users/me")).statusCode).toBe(200);
      const login = await internal("/api/internal/auth/verify-password", {
        email: `eve-${driver}@example.com`,
        password: "the second password",
      });
      expect(login.statusCode).toBe(200);
    });

    it("throttles wrong current passwords like failed sign-ins, so a stolen session cannot guess the password", async () => {
      const user = await insertUser(database.db, {
        email: `gil-${driver}@example.com`,
        name: "Gil",
        passwordHash: await hashPassword("the real password"),
      });
      const { cookie } = await signIn(user.id);
      // The test config allows 5 failures per email and address (LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP's default).
      for (let i = 0; i < 5; i++) {
        const wrong = await asUser(cookie, "PUT", "/api/users/me/password", {
          currentPassword: `guess ${i}`,
          password: "a password of mine",
        });
        expect(wrong.json().error.code).toBe("wrong_password");
      }
      const limited = await asUser(cookie, "PUT", "/api/users/me/password", {
        currentPassword: "the real password",
        password: "a password of mine",
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe("rate_limited");
      const stored = await findUserById(database.db, user.id);
      expect(await verifyPassword(stored?.passwordHash ?? null, "the real password"), "the password is unchanged").toBe(
        true,
      );
    });

    it("resets a password from a link once, ending every session; a used or expired link is refused", async () => {
      const address = `fay-${driver}@example.com`;
      const user = await insertUser(database.db, {
        email: address,
        name: "Fay",
        passwordHash: await hashPassword("forgotten password"),
      });
      const session = await signIn(user.id);
      const nobody = await internal("/api/internal/auth/password-reset/request", {
        email: `ghost-${driver}@example.com`,
      });
      expect(nobody.json().token).toBeNull();
      const { token } = (await internal("/api/internal/auth/password-reset/request", { email: address })).json() as {
        token: string;
      };
      expect(token).toMatch(/^[\w-]{40,}$/);
      // A reset token is not a sign-in token.
      expect(
        (await internal("/api/internal/auth/verification-tokens/use", { identifier: address, token })).json(),
      ).toEqual({ token: null });

      const done = await internal("/api/internal/auth/password-reset/complete", {
        email: address,
        token,
        password: "remembered password",
      });
      expect(done.statusCode).toBe(200);
      expect(done.json()).toMatchObject({ endedSessions: 1, user: { id: user.id } });
      expect((await asUser(session.cookie, "GET", "/api/users/me")).statusCode).toBe(401);
      const reused = await internal("/api/internal/auth/password-reset/complete", {
        email: address,
        token,
        password: "another password here",
      });
      expect(reused.statusCode).toBe(400);
      expect(reused.json().error.code).toBe("link_invalid");

      const { token: late } = (await internal("/api/internal/auth/password-reset/request", { email: address })).json();
      now += 10 * 60_000 + 1;
      const expired = await internal("/api/internal/auth/password-reset/complete", {
        email: address,
        token: late,
        password: "too late password",
      });
      expect(expired.json().error.code).toBe("link_invalid");
      const login = await internal("/api/internal/auth/verify-password", {
        email: address,
        password: "remembered password",
      });
      expect(login.statusCode).toBe(200);
    });

    it("sets a first password on an email account without one, and refuses one for an account without email", async () => {
      const withEmail = await insertUser(database.db, {
        email: `gus-${driver}@example.com`,
        name: "Gus",
        passwordHash: null,
      });
      const session = await signIn(withEmail.id);
      const set = await asUser(session.cookie, "PUT", "/api/users/me/password", { password: "gus sets a password" });
      expect(set.statusCode).toBe(200);
      const wallet = await insertUser(database.db, { email: null, name: "0xabc…", passwordHash: null });
      const walletSession = await signIn(wallet.id);
      const refused = await asUser(walletSession.cookie, "PUT", "/api/users/me/password", {
        password: "no email here",
      });
      expect(refused.statusCode).toBe(422);
    });
  });
});
