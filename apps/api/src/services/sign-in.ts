import { createHash, randomBytes } from "node:crypto";
import {
  type AdapterUserResponse,
  type OauthSignInBody,
  type OauthSignInResponse,
  type PasswordResetCompleteBody,
  type SetPasswordBody,
  SIGN_IN_LINK_TTL_SECONDS,
  type SignInMethodsResponse,
  type UserLookupBody,
} from "@tradeboard/contracts";
import {
  consumeVerificationToken,
  type Db,
  deleteSignInMethod,
  findUserByEmail,
  findUserById,
  findUserByOauthAccount,
  insertOauthAccount,
  insertVerificationToken,
  isUniqueViolation,
  listOauthAccounts,
  listWallets,
  markEmailVerified,
  setUserPassword,
  type UserRow,
} from "@tradeboard/db";
import type { SessionRegistry } from "../auth/session-registry.ts";
import { AppError } from "../errors.ts";
import type { LinkLimiter } from "./link-limiter.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { openAccount } from "./users.ts";

export interface SignInDeps {
  db: Db;
  initialBalance: string;
  sessions: SessionRegistry;
  links: LinkLimiter;
  /** The sign-in throttle: a wrong current password counts as a failed sign-in with that email. */
  throttle: LoginThrottle;
  /** The clock of link expiry (tests move it forward instead of waiting). */
  now: () => number;
}

const PROVIDER_NAMES: Record<string, string> = { github: "GitHub", google: "Google", oidc: "single sign-on" };

export function toAdapterUser(row: UserRow): AdapterUserResponse {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    emailVerified: row.emailVerifiedAt?.toISOString() ?? null,
  };
}

/** Only a hash of a link's token is stored: the database alone cannot sign anyone in. */
function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A name for a new account: the provider's, or the email's local part. */
function accountName(name: string | null, email: string | null, fallback: string): string {
  const chosen = name?.trim() || email?.split("@")[0] || fallback;
  return chosen.slice(0, 100);
}

/** Runs a step once more when a concurrent request created the same row first (its unique key then exists). */
async function retryOnConflict<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return step();
  }
}

/**
 * A person the provider vouched for (Auth.js checked state, PKCE and the OIDC
 * nonce). In one transaction: sign in to the linked account; or link to the
 * signed-in account that asked from Settings; or link to the account with the
 * same email when the provider verified it; or open a new paper account.
 */
export async function oauthSignIn(
  deps: SignInDeps,
  body: OauthSignInBody,
): Promise<{ user: UserRow; outcome: OauthSignInResponse["outcome"] }> {
  const label = PROVIDER_NAMES[body.provider] ?? body.provider;
  if (body.linkTo && !(await deps.sessions.isActive(body.linkTo.sessionId, body.linkTo.userId))) {
    throw new AppError("unauthorized", "Your session has ended. Sign in again, then link the account.");
  }
  const account = { provider: body.provider, providerAccountId: body.providerAccountId };
  return retryOnConflict(() =>
    deps.db.transaction(async (tx) => {
      const linked = await findUserByOauthAccount(tx, account);
      if (body.linkTo) {
        if (linked && linked.id !== body.linkTo.userId) {
          throw new AppError(
            "oauth_account_taken",
            `This ${label} account already signs in to another Tradeboard account. Unlink it there first.`,
          );
        }
        if (linked) return { user: linked, outcome: "signed_in" as const };
        const user = await findUserById(tx, body.linkTo.userId);
        if (!user) throw new AppError("unauthorized", "Sign in to continue.");
        await insertOauthAccount(tx, { ...account, userId: user.id, email: body.email });
        return { user, outcome: "linked" as const };
      }
      if (linked) return { user: linked, outcome: "signed_in" as const };
      const byEmail = body.email ? await findUserByEmail(tx, body.email) : null;
      if (byEmail) {
        if (!body.emailVerified) {
          throw new AppError(
            "oauth_email_unverified",
            `An account with ${body.email} exists, and ${label} has not verified that address. Sign in another way, then link ${label} in Settings → Sign-in methods.`,
          );
        }
        await insertOauthAccount(tx, { ...account, userId: byEmail.id, email: body.email });
        const user = (await markEmailVerified(tx, { id: byEmail.id, at: new Date(deps.now()) })) ?? byEmail;
        return { user, outcome: "linked_by_email" as const };
      }
      // An unverified address is not given to the new account: its owner could not then claim it.
      const email = body.emailVerified ? body.email : null;
      const user = await openAccount(tx, {
        user: {
          email,
          name: accountName(body.name, body.email, `${label} user`),
          passwordHash: null,
          emailVerifiedAt: email ? new Date(deps.now()) : null,
        },
        initialBalance: deps.initialBalance,
      });
      await insertOauthAccount(tx, { ...account, userId: user.id, email: body.email });
      return { user, outcome: "created" as const };
    }),
  );
}

/** The Auth.js adapter's getUser / getUserByEmail / getUserByAccount. */
export async function lookUpUser(deps: Pick<SignInDeps, "db">, body: UserLookupBody): Promise<UserRow | null> {
  if ("id" in body) return /^[0-9a-f-]{36}$/i.test(body.id) ? findUserById(deps.db, body.id) : null;
  if ("email" in body) return findUserByEmail(deps.db, body.email);
  return findUserByOauthAccount(deps.db, body);
}

/**
 * The owner of `email` opened a valid sign-in link: their account (now with a
 * verified email), or a new paper account for a new address.
 */
export async function emailSignIn(deps: SignInDeps, email: string): Promise<{ user: UserRow; created: boolean }> {
  const at = new Date(deps.now());
  return retryOnConflict(async () => {
    const existing = await findUserByEmail(deps.db, email);
    if (existing)
      return { user: (await markEmailVerified(deps.db, { id: existing.id, at })) ?? existing, created: false };
    const user = await deps.db.transaction((tx) =>
      openAccount(tx, {
        user: { email, name: accountName(null, email, "Trader"), passwordHash: null, emailVerifiedAt: at },
        initialBalance: deps.initialBalance,
      }),
    );
    return { user, created: true };
  });
}

/** Refuses a link request beyond the per-address and per-client limits (429 with Retry-After). */
export function allowLinkRequest(deps: Pick<SignInDeps, "links">, email: string, ip: string | undefined): void {
  const wait = deps.links.take(email, ip);
  if (wait > 0) {
    throw new AppError(
      "rate_limited",
      `Too many links were asked for. Try again in ${wait < 90 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}.`,
      { retryAfterSeconds: wait },
    );
  }
}

function linkExpiry(deps: Pick<SignInDeps, "now">): Date {
  return new Date(deps.now() + SIGN_IN_LINK_TTL_SECONDS * 1000);
}

/** Auth.js's sign-in token (already a keyed hash of the one in the mail), valid for 10 minutes. */
export async function createSignInToken(
  deps: SignInDeps,
  params: { identifier: string; token: string },
): Promise<Date> {
  const expiresAt = linkExpiry(deps);
  await insertVerificationToken(deps.db, {
    tokenHash: tokenHash(params.token),
    identifier: params.identifier,
    purpose: "sign_in",
    expiresAt,
    now: new Date(deps.now()),
  });
  return expiresAt;
}

/** Uses a sign-in token up; null when unknown, already used or expired. */
export async function useSignInToken(
  deps: SignInDeps,
  params: { identifier: string; token: string },
): Promise<{ identifier: string; expires: Date } | null> {
  const row = await consumeVerificationToken(deps.db, {
    tokenHash: tokenHash(params.token),
    identifier: params.identifier,
    purpose: "sign_in",
    now: new Date(deps.now()),
  });
  return row ? { identifier: row.identifier, expires: row.expiresAt } : null;
}

/**
 * A password-reset token for this address, for the web app to mail; null when
 * no account has the address (the person is told the same either way).
 */
export async function requestPasswordReset(
  deps: SignInDeps,
  params: { email: string; ip?: string },
): Promise<{ token: string | null; expiresAt: Date }> {
  allowLinkRequest(deps, params.email, params.ip);
  const expiresAt = linkExpiry(deps);
  const user = await findUserByEmail(deps.db, params.email);
  if (!user) return { token: null, expiresAt };
  const token = randomBytes(32).toString("base64url");
  await insertVerificationToken(deps.db, {
    tokenHash: tokenHash(token),
    identifier: params.email,
    purpose: "password_reset",
    expiresAt,
    now: new Date(deps.now()),
  });
  return { token, expiresAt };
}

const LINK_INVALID = "This link has expired or was already used. Ask for a new one.";

/**
 * Sets the password from a reset link (once), marks the email verified (the
 * link proved it) and ends every session of the account: whoever may have
 * known the old password is signed out everywhere.
 */
export async function completePasswordReset(
  deps: SignInDeps,
  body: PasswordResetCompleteBody,
): Promise<{ user: UserRow; endedSessions: number }> {
  const passwordHash = await hashPassword(body.password);
  const user = await deps.db.transaction(async (tx) => {
    const row = await consumeVerificationToken(tx, {
      tokenHash: tokenHash(body.token),
      identifier: body.email,
      purpose: "password_reset",
      now: new Date(deps.now()),
    });
    if (!row) throw new AppError("link_invalid", LINK_INVALID);
    const owner = await findUserByEmail(tx, body.email);
    if (!owner) throw new AppError("link_invalid", LINK_INVALID);
    await setUserPassword(tx, { id: owner.id, passwordHash });
    return (await markEmailVerified(tx, { id: owner.id, at: new Date(deps.now()) })) ?? owner;
  });
  const endedSessions = await deps.sessions.endAll(user.id);
  return { user, endedSessions };
}

/**
 * Sets a first password, or changes it (the current one is needed then), and
 * ends every other session of the account.
 */
export async function setPassword(
  deps: SignInDeps,
  params: { user: UserRow; sessionId: string; body: SetPasswordBody; ip?: string },
): Promise<{ endedSessions: number }> {
  const { user, body, ip } = params;
  if (!user.email) {
    throw new AppError(
      "not_supported",
      "This account has no email address, and a password signs in together with one. Sign in with your wallet or provider instead.",
    );
  }
  if (user.passwordHash) {
    if (!body.currentPassword) {
      throw new AppError("validation_failed", "currentPassword: enter your current password", {
        fields: { currentPassword: "enter your current password" },
      });
    }
    // Someone holding a stolen session must not get unlimited guesses here either.
    const wait = deps.throttle.retryAfterSeconds(user.email, ip);
    if (wait > 0) {
      throw new AppError("rate_limited", `Too many wrong passwords. Try again in ${Math.ceil(wait / 60)} minutes.`, {
        retryAfterSeconds: wait,
      });
    }
    if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
      deps.throttle.recordFailure(user.email, ip);
      throw new AppError("wrong_password", "The current password is not right.", {
        fields: { currentPassword: "the current password is not right" },
      });
    }
    deps.throttle.recordSuccess(user.email, ip);
  }
  await setUserPassword(deps.db, { id: user.id, passwordHash: await hashPassword(body.password) });
  return { endedSessions: await deps.sessions.endAll(user.id, { except: params.sessionId }) };
}

export async function signInMethods(deps: Pick<SignInDeps, "db">, user: UserRow): Promise<SignInMethodsResponse> {
  const [wallets, accounts] = await Promise.all([listWallets(deps.db, user.id), listOauthAccounts(deps.db, user.id)]);
  return {
    email: user.email,
    emailVerified: user.emailVerifiedAt !== null,
    hasPassword: user.passwordHash !== null,
    wallets: wallets.length,
    accounts: accounts.map((a) => ({
      provider: a.provider,
      providerAccountId: a.providerAccountId,
      email: a.email,
      linkedAt: a.createdAt.toISOString(),
    })),
  };
}

export async function unlinkAccount(
  deps: Pick<SignInDeps, "db">,
  user: UserRow,
  params: { provider: string; providerAccountId: string },
): Promise<void> {
  const result = await deleteSignInMethod(deps.db, { userId: user.id, method: { kind: "oauth", ...params } });
  if (result === "not_found") throw new AppError("not_found", "No such account is linked to yours.");
  if (result === "last_sign_in_method") {
    const label = PROVIDER_NAMES[params.provider] ?? params.provider;
    throw new AppError(
      "last_sign_in_method",
      `${label} is the only way to sign in to this account; set a password or link another way before unlinking it.`,
    );
  }
}
