import "server-only";
import type { AdapterUserResponse } from "@tradeboard/contracts";
import type { Adapter, AdapterUser } from "next-auth/adapters";
import { callInternal } from "@/lib/backend";

/** Thrown when the api cannot be reached: Auth.js sends the person to /login with a message. */
export class ApiUnavailable extends Error {
  constructor() {
    super("The trading service is unavailable.");
  }
}

function toAdapterUser(user: AdapterUserResponse): AdapterUser {
  return {
    id: user.id,
    name: user.name,
    // Auth.js types a user's email as a string; accounts without one (wallet, unverified provider) have "".
    email: user.email ?? "",
    emailVerified: user.emailVerified ? new Date(user.emailVerified) : null,
    role: user.role,
  };
}

async function lookUp(body: Record<string, string>): Promise<AdapterUser | null> {
  const result = await callInternal<{ user: AdapterUserResponse | null }>("/api/internal/auth/lookup", body);
  if (!result.ok) throw new ApiUnavailable();
  return result.data.user ? toAdapterUser(result.data.user) : null;
}

async function emailSignIn(email: string): Promise<AdapterUser> {
  const result = await callInternal<{ user: AdapterUserResponse }>("/api/internal/auth/email-sign-in", { email });
  if (!result.ok) throw new ApiUnavailable();
  return toAdapterUser(result.data.user);
}

/**
 * Auth.js's adapter over the api's internal endpoints: the web app never opens
 * the database. Sessions stay JWTs; users, provider accounts and emailed
 * tokens live at the api. Provider accounts are linked (or opened) by the
 * signIn callback in one api call before Auth.js looks them up here, so
 * `linkAccount` and a provider's `createUser` are never reached.
 */
export function apiAdapter(): Adapter {
  return {
    getUser: (id) => lookUp({ id }),
    getUserByEmail: (email) => lookUp({ email }),
    getUserByAccount: ({ provider, providerAccountId }) => lookUp({ provider, providerAccountId }),
    // Only the email flow creates or updates here: the link proved the address.
    async createUser(user) {
      if (!user.emailVerified || !user.email) throw new Error("provider accounts are opened by the signIn callback");
      return emailSignIn(user.email);
    },
    async updateUser(user) {
      const current = await lookUp({ id: user.id });
      if (!current?.email) throw new Error(`no account ${user.id} with an email to verify`);
      return emailSignIn(current.email);
    },
    linkAccount() {
      throw new Error("provider accounts are linked by the signIn callback");
    },
    async createVerificationToken(token) {
      const result = await callInternal<{ token: { identifier: string; expires: string } }>(
        "/api/internal/auth/verification-tokens",
        { identifier: token.identifier, token: token.token },
      );
      if (!result.ok) throw new ApiUnavailable();
      return { identifier: token.identifier, token: token.token, expires: new Date(result.data.token.expires) };
    },
    async useVerificationToken({ identifier, token }) {
      const result = await callInternal<{ token: { identifier: string; expires: string } | null }>(
        "/api/internal/auth/verification-tokens/use",
        { identifier, token },
      );
      if (!result.ok) throw new ApiUnavailable();
      const used = result.data.token;
      return used ? { identifier: used.identifier, token, expires: new Date(used.expires) } : null;
    },
  };
}
