import { decode } from "@auth/core/jwt";

/** The Auth.js session cookie names: over https the `__Secure-` one, else the plain one. */
export const SESSION_COOKIE_NAMES = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

export interface SessionClaims {
  userId: string;
}

/**
 * Reads a cookie that Auth.js may have split into `name.0`, `name.1`, … when the
 * JWE grew past the browser's 4 KB cookie limit.
 */
function readCookie(cookies: Record<string, string | undefined>, name: string): string | undefined {
  const whole = cookies[name];
  if (whole) return whole;
  const chunks: string[] = [];
  for (let i = 0; ; i++) {
    const chunk = cookies[`${name}.${i}`];
    if (chunk === undefined) break;
    chunks.push(chunk);
  }
  return chunks.length > 0 ? chunks.join("") : undefined;
}

/**
 * Verifies the Auth.js session cookie with the shared secret (the cookie name is
 * the key-derivation salt). Returns null for a missing, expired, tampered or
 * malformed session.
 */
export async function readSession(
  cookies: Record<string, string | undefined>,
  secret: string,
): Promise<SessionClaims | null> {
  for (const name of SESSION_COOKIE_NAMES) {
    const token = readCookie(cookies, name);
    if (!token) continue;
    try {
      const payload = await decode({ token, secret, salt: name });
      if (payload && typeof payload.sub === "string" && payload.sub.length > 0) return { userId: payload.sub };
    } catch {
      // Wrong key, altered ciphertext or an expired token: not a session.
    }
    return null;
  }
  return null;
}
