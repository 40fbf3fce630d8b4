import { z } from "zod";
import { email, password, userResponse } from "./users.ts";

/** Auth.js provider ids of the OAuth / OpenID Connect providers Tradeboard can switch on. */
export const oauthProviders = ["github", "google", "oidc"] as const;
export type OauthProvider = (typeof oauthProviders)[number];
const provider = z.enum(oauthProviders, { error: "provider must be github, google or oidc" });
const providerAccountId = z
  .string({ error: "providerAccountId is required" })
  .min(1, "providerAccountId is required")
  .max(255, "providerAccountId is too long");

// --- internal (the web app's Auth.js, with the service key) -------------------------------

/**
 * POST /api/internal/auth/oauth — a person the provider vouched for (state,
 * PKCE and nonce already checked by Auth.js). The api signs them in to the
 * linked account, links to the signed-in account (`linkTo`), links by a
 * verified email, or opens a new account, in one transaction.
 */
export const oauthSignInBody = z.strictObject({
  provider,
  providerAccountId,
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()).nullable(),
  /** Whether the provider says it verified the email (OIDC `email_verified`, GitHub's verified primary email). */
  emailVerified: z.boolean(),
  name: z.string().trim().max(100).nullable(),
  /** The session of a signed-in user who is linking this account from Settings. */
  linkTo: z.strictObject({ userId: z.uuid(), sessionId: z.uuid() }).optional(),
});
export type OauthSignInBody = z.infer<typeof oauthSignInBody>;
export const oauthSignInResponse = z.object({
  user: userResponse,
  outcome: z.enum(["signed_in", "linked", "linked_by_email", "created"]),
});
export type OauthSignInResponse = z.infer<typeof oauthSignInResponse>;

/** POST /api/internal/auth/lookup — the Auth.js adapter's getUser / getUserByEmail / getUserByAccount. */
export const userLookupBody = z.union([
  z.strictObject({ id: z.string().max(100) }),
  z.strictObject({ email: z.string().trim().toLowerCase().max(254) }),
  z.strictObject({ provider: z.string().max(50), providerAccountId: z.string().max(255) }),
]);
export type UserLookupBody = z.infer<typeof userLookupBody>;
/** The adapter's user: `emailVerified` as Auth.js wants it. */
export const adapterUser = userResponse.extend({ emailVerified: z.iso.datetime().nullable() });
export type AdapterUserResponse = z.infer<typeof adapterUser>;
export const userLookupResponse = z.object({ user: adapterUser.nullable() });

/** POST /api/internal/auth/email-sign-in — the owner of `email` opened a valid sign-in link: find or open the account. */
export const emailSignInBody = z.strictObject({ email });
export const emailSignInResponse = z.object({ user: adapterUser, created: z.boolean() });

/** POST /api/internal/auth/email-link/allow — may this address and client ask for another link now? */
export const emailLinkAllowBody = z.strictObject({
  email: z.string().trim().toLowerCase().max(254),
  ip: z.string().max(100).optional(),
});

/** POST /api/internal/auth/verification-tokens — Auth.js's token (already a keyed hash of what the mail carries). */
export const createVerificationTokenBody = z.strictObject({
  identifier: email,
  token: z.string().min(16, "token is too short").max(256),
});
/** POST /api/internal/auth/verification-tokens/use */
export const useVerificationTokenBody = z.strictObject({
  identifier: z.string().trim().toLowerCase().max(254),
  token: z.string().min(1).max(256),
});
export const verificationTokenResponse = z.object({
  token: z.object({ identifier: z.string(), expires: z.iso.datetime() }).nullable(),
});

/** POST /api/internal/auth/password-reset/request — a reset link for this address (sent by the web app). */
export const passwordResetRequestBody = z.strictObject({ email, ip: z.string().max(100).optional() });
/** `token` is null when no account has this email (the person is told the same either way). */
export const passwordResetRequestResponse = z.object({ token: z.string().nullable(), expiresAt: z.iso.datetime() });

/** POST /api/internal/auth/password-reset/complete */
export const passwordResetCompleteBody = z.strictObject({
  email,
  token: z.string().min(1, "the link is incomplete").max(256),
  password,
});
export type PasswordResetCompleteBody = z.infer<typeof passwordResetCompleteBody>;

// --- the signed-in user -----------------------------------------------------------------------

export const linkedAccountResponse = z.object({
  provider: z.string(),
  providerAccountId: z.string(),
  email: z.string().nullable(),
  linkedAt: z.iso.datetime(),
});
export type LinkedAccountResponse = z.infer<typeof linkedAccountResponse>;

/** GET /api/users/me/sign-in-methods */
export const signInMethodsResponse = z.object({
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  hasPassword: z.boolean(),
  wallets: z.number().int(),
  accounts: z.array(linkedAccountResponse),
});
export type SignInMethodsResponse = z.infer<typeof signInMethodsResponse>;

export const linkedAccountParams = z.strictObject({ provider, providerAccountId });

/** PUT /api/users/me/password — set a first password, or change it (then the current one is needed). */
export const setPasswordBody = z.strictObject({
  currentPassword: z.string().max(1024).optional(),
  password,
});
export type SetPasswordBody = z.infer<typeof setPasswordBody>;
export const setPasswordResponse = z.object({ endedSessions: z.number().int() });
export type SetPasswordResponse = z.infer<typeof setPasswordResponse>;
