import {
  type OauthSignInBody,
  type OauthSignInResponse,
  type Role,
  SESSION_MAX_AGE_SECONDS,
  SIGN_IN_LINK_TTL_SECONDS,
  type SiweSignInResponse,
  siweSignInBody,
  type UserResponse,
  verifyPasswordBody,
} from "@tradeboard/contracts";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import { getToken } from "next-auth/jwt";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import Nodemailer from "next-auth/providers/nodemailer";
import { emailSignInEnabled, serverEnv, type WebConfig } from "@/env";
import { apiAdapter } from "@/lib/auth-adapter";
import { callInternal } from "@/lib/backend";
import { clientIp } from "@/lib/client-ip";
import { linkMail, sendMail } from "@/lib/mail";
import { safeCallbackUrl } from "@/lib/safe-redirect";
import { checkSession, createSession, endSession } from "@/lib/session-registry";

declare module "next-auth" {
  interface User {
    role?: Role;
  }
  interface Session {
    user: { id: string; name: string; email: string | null; role: Role };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role?: Role;
    /** The api's session id: the api refuses the token once the session has ended. */
    sid?: string;
  }
}

/** The codes the sign-in form turns into messages (see components/auth/login-form.tsx). */
class InvalidCredentials extends CredentialsSignin {
  override code = "invalid_credentials";
}
class TooManyAttempts extends CredentialsSignin {
  override code = "rate_limited";
}
class BackendUnavailable extends CredentialsSignin {
  override code = "backend_unavailable";
}
/** A refused Sign-In with Ethereum message; `code` is the api's reason (siwe_expired, siwe_wrong_domain, …). */
class SiweRefused extends CredentialsSignin {
  constructor(reason: string) {
    super(reason);
    this.code = reason;
  }
}

/** Where a refusal decided here sends the person: /login (or Settings, when linking) with a code it explains. */
const refusal = (code: string) => `/login?error=${code}`;

/** What the provider said about the person's email, as the api needs it. */
function profileEmail(provider: string, profile: Record<string, unknown> | undefined) {
  const email = typeof profile?.email === "string" && profile.email.length > 0 ? profile.email : null;
  // OIDC and Google say so in `email_verified`; for GitHub, userinfo below sets it from /user/emails.
  const verified = profile?.email_verified === true || profile?.email_verified === "true";
  const name =
    typeof profile?.name === "string" && profile.name
      ? profile.name
      : typeof profile?.preferred_username === "string"
        ? profile.preferred_username
        : provider === "github" && typeof profile?.login === "string"
          ? profile.login
          : null;
  return { email, emailVerified: email !== null && verified, name };
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub's profile with the primary email and whether GitHub verified it (its /user gives neither reliably). */
async function gitHubUserinfo({ tokens }: { tokens: { access_token?: string } }) {
  const headers = { Authorization: `Bearer ${tokens.access_token}`, "User-Agent": "tradeboard" };
  const signal = AbortSignal.timeout(10_000);
  const profile = (await (await fetch("https://api.github.com/user", { headers, signal })).json()) as Record<
    string,
    unknown
  >;
  const response = await fetch("https://api.github.com/user/emails", { headers, signal });
  const emails = response.ok ? ((await response.json()) as GitHubEmail[]) : [];
  const primary = emails.find((e) => e.primary) ?? emails[0];
  if (primary) {
    profile.email = primary.email;
    profile.email_verified = primary.verified;
  }
  return profile;
}

function oauthProviders(env: WebConfig): Provider[] {
  const providers: Provider[] = [];
  if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) {
    providers.push(
      GitHub({
        clientId: env.AUTH_GITHUB_ID,
        clientSecret: env.AUTH_GITHUB_SECRET,
        checks: ["pkce", "state"],
        userinfo: { url: "https://api.github.com/user", request: gitHubUserinfo },
      }),
    );
  }
  if (env.AUTH_GOOGLE_ID && env.AUTH_GOOGLE_SECRET) {
    providers.push(
      Google({
        clientId: env.AUTH_GOOGLE_ID,
        clientSecret: env.AUTH_GOOGLE_SECRET,
        checks: ["pkce", "state", "nonce"],
      }),
    );
  }
  if (env.AUTH_OIDC_ISSUER && env.AUTH_OIDC_ID && env.AUTH_OIDC_SECRET) {
    providers.push({
      id: "oidc",
      name: env.AUTH_OIDC_NAME,
      type: "oidc",
      issuer: env.AUTH_OIDC_ISSUER,
      clientId: env.AUTH_OIDC_ID,
      clientSecret: env.AUTH_OIDC_SECRET,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid profile email" } },
      // The ID token is checked (signature, nonce), then the profile is read from userinfo: many issuers
      // put email and email_verified only there.
      idToken: false,
    });
  }
  return providers;
}

function emailProvider(env: WebConfig): Provider[] {
  if (!emailSignInEnabled(env)) return [];
  return [
    Nodemailer({
      id: "email",
      name: "Email",
      // Mail goes through lib/mail.ts (which prints it in development without SMTP).
      server: env.EMAIL_SERVER ?? "smtp://localhost:25",
      from: env.EMAIL_FROM,
      maxAge: SIGN_IN_LINK_TTL_SECONDS,
      async sendVerificationRequest({ identifier, url }) {
        await sendMail(
          linkMail({
            to: identifier,
            subject: "Your Tradeboard sign-in link",
            intro: "Open this link to sign in to Tradeboard:",
            action: "Sign in to Tradeboard",
            url,
            outro: `The link works once, for ${SIGN_IN_LINK_TTL_SECONDS / 60} minutes. If you did not ask for it, ignore this message.`,
          }),
        );
      },
    }),
  ];
}

/** The session token the request already carries (either cookie name), if any. */
async function currentToken(request: Request | undefined, secret: string) {
  if (!request) return null;
  for (const secureCookie of [true, false]) {
    const token = await getToken({ req: request, secret, secureCookie }).catch(() => null);
    if (token) return token;
  }
  return null;
}

// Lazy, so the configuration (and its secret) is read at request time, not during `next build`;
// `request` is there for route handlers (sign-in, callbacks), absent when a page calls auth().
export const {
  handlers: { GET, POST },
  auth,
  signIn,
  signOut,
} = NextAuth((request) => {
  const env = serverEnv();
  const ip = request ? clientIp(request) : undefined;
  const userAgent = request?.headers.get("user-agent") ?? null;
  return {
    secret: env.AUTH_SECRET,
    trustHost:
      Boolean(env.AUTH_URL) ||
      env.AUTH_TRUST_HOST === "true" ||
      env.AUTH_TRUST_HOST === "1" ||
      env.NODE_ENV !== "production",
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    // Every error lands on /login, which says in a sentence what happened (components/auth/auth-errors.ts).
    pages: { signIn: "/login", error: "/login", verifyRequest: "/login?check-email=1" },
    adapter: apiAdapter(),
    providers: [
      Credentials({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        // Never touches the database: the api checks the password and throttles attempts.
        async authorize(credentials, request) {
          const parsed = verifyPasswordBody.safeParse({
            email: credentials.email,
            password: credentials.password,
            ip: clientIp(request),
          });
          if (!parsed.success) throw new InvalidCredentials();
          const result = await callInternal<{ user: UserResponse }>("/api/internal/auth/verify-password", parsed.data);
          if (result.ok) {
            const { id, name, email, role } = result.data.user;
            return { id, name, email, role };
          }
          if (result.code === "rate_limited") throw new TooManyAttempts();
          if (result.code === "backend_unavailable" || result.status >= 500) throw new BackendUnavailable();
          throw new InvalidCredentials();
        },
      }),
      Credentials({
        id: "siwe",
        name: "Ethereum",
        credentials: { message: { label: "Message", type: "text" }, signature: { label: "Signature", type: "text" } },
        // The api checks the nonce, domain, chain, times and signature (viem/siwe) and finds or opens the account.
        async authorize(credentials, request) {
          const parsed = siweSignInBody.safeParse({
            message: credentials.message,
            signature: credentials.signature,
            ip: clientIp(request),
          });
          if (!parsed.success) throw new SiweRefused("siwe_invalid_message");
          const result = await callInternal<SiweSignInResponse>("/api/internal/auth/siwe", parsed.data);
          if (result.ok) {
            const { id, name, email, role } = result.data.user;
            return { id, name, email, role };
          }
          if (result.code === "rate_limited") throw new TooManyAttempts();
          if (result.code === "backend_unavailable" || result.status >= 500) throw new BackendUnavailable();
          throw new SiweRefused(result.code.startsWith("siwe_") ? result.code : "siwe_invalid_message");
        },
      }),
      ...oauthProviders(env),
      ...emailProvider(env),
    ],
    callbacks: {
      // Every callbackUrl Auth.js accepts (sign-in, sign-out, its cookie) stays on this site.
      redirect({ url, baseUrl }) {
        return new URL(safeCallbackUrl(url, baseUrl, "/"), baseUrl).href;
      },
      async signIn({ account, profile, user, email }) {
        if (!account) return false;
        if (account.type === "email") {
          // Asking for a link: limited per address and per client before any mail goes out.
          if (!email?.verificationRequest) return true;
          const allowed = await callInternal("/api/internal/auth/email-link/allow", { email: user.email, ip });
          if (allowed.ok) return true;
          return refusal(allowed.code === "rate_limited" ? "EmailRateLimited" : "BackendUnavailable");
        }
        if (account.type !== "oauth" && account.type !== "oidc") return true;
        // Auth.js has checked state, PKCE and (OIDC) the nonce. The api decides, in one transaction,
        // which account this person signs in to; Auth.js then finds the link through the adapter.
        const signedIn = await currentToken(request, env.AUTH_SECRET);
        const body: OauthSignInBody = {
          provider: account.provider as OauthSignInBody["provider"],
          providerAccountId: account.providerAccountId,
          ...profileEmail(account.provider, profile as Record<string, unknown> | undefined),
          ...(signedIn?.sub && signedIn.sid ? { linkTo: { userId: signedIn.sub, sessionId: signedIn.sid } } : {}),
        };
        const result = await callInternal<OauthSignInResponse>("/api/internal/auth/oauth", body);
        if (result.ok) return true;
        const codes: Record<string, string> = {
          oauth_email_unverified: "OAuthEmailUnverified",
          oauth_account_taken: "OAuthAccountTaken",
          unauthorized: "SessionEnded",
        };
        return refusal(codes[result.code] ?? (result.status === 400 ? "OAuthProfile" : "BackendUnavailable"));
      },
      async jwt({ token, user }) {
        if (user?.id) {
          // A sign-in of any kind: a new session at the api, whose id the token carries. A session this
          // browser had before (signing in again, or linking a provider) ends: its cookie is replaced.
          const previous = await currentToken(request, env.AUTH_SECRET);
          const sessionId = await createSession(user.id, userAgent);
          if (!sessionId) throw new BackendUnavailable();
          if (previous?.sid && previous.sub) await endSession(previous.sub, previous.sid);
          token.sub = user.id;
          token.role = user.role ?? "user";
          token.sid = sessionId;
          return token;
        }
        // A token from before sessions existed, or one whose session has ended: signed out.
        if (!token.sub || !token.sid) return null;
        return (await checkSession(token.sub, token.sid)) === "ended" ? null : token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.role = token.role === "admin" ? "admin" : "user";
        return session;
      },
    },
    events: {
      // Signing out ends the session at the api too: a copy of the cookie stops working at once.
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        if (token?.sub && token.sid) await endSession(token.sub, token.sid);
      },
    },
  } satisfies NextAuthConfig;
});
