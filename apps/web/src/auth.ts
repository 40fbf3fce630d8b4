import {
  type Role,
  type SiweSignInResponse,
  siweSignInBody,
  type UserResponse,
  verifyPasswordBody,
} from "@tradeboard/contracts";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { serverEnv } from "@/env";
import { callInternal } from "@/lib/backend";
import { clientIp } from "@/lib/client-ip";
import { safeCallbackUrl } from "@/lib/safe-redirect";

declare module "next-auth" {
  interface User {
    role?: Role;
  }
  interface Session {
    user: { id: string; name: string; email: string | null; role: Role };
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

const SESSION_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

// Lazy, so the configuration (and its secret) is read at request time, not during `next build`.
export const {
  handlers: { GET, POST },
  auth,
  signIn,
  signOut,
} = NextAuth(() => {
  const env = serverEnv();
  return {
    secret: env.AUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login" },
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
    ],
    callbacks: {
      // Every callbackUrl Auth.js accepts (sign-in, sign-out, its cookie) stays on this site.
      redirect({ url, baseUrl }) {
        return new URL(safeCallbackUrl(url, baseUrl, "/"), baseUrl).href;
      },
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.role = user.role ?? "user";
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        session.user.role = token.role === "admin" ? "admin" : "user";
        return session;
      },
    },
  } satisfies NextAuthConfig;
});
