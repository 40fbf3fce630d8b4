import { hkdfSync } from "node:crypto";
import { base64url, calculateJwkThumbprint, jwtDecrypt } from "jose";

/** The Auth.js session cookie names: over https the `__Secure-` one, else the plain one. */
export const SESSION_COOKIE_NAMES = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

export interface SessionClaims {
  userId: string;
  /** The `sid` the web app put in the token at sign-in (see session-registry.ts); null in a token without one. */
  sessionId: string | null;
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

/** What @auth/core/jwt's `decode` accepts, with the same clock tolerance. */
const DECRYPT_OPTIONS = {
  clockTolerance: 15,
  keyManagementAlgorithms: ["dir"],
  contentEncryptionAlgorithms: ["A256CBC-HS512", "A256GCM"],
};
const CLOCK_TOLERANCE_MS = DECRYPT_OPTIONS.clockTolerance * 1000;

interface DerivedKey {
  key: Uint8Array;
  kid: string;
}

interface CachedSession {
  claims: SessionClaims;
  /** The token's `exp` in ms; the cached entry is refused from then on, as a decryption would be. */
  expiresAt: number;
}

/**
 * Verifies Auth.js session cookies with the shared secret (the cookie name is
 * the key-derivation salt), exactly as `@auth/core/jwt`'s `decode` does, but
 * derives each key once instead of on every request (an HKDF and a thumbprint
 * per call), and remembers the claims of recently verified tokens until their
 * `exp`: a cookie is the same string on every request of a session, and the
 * string is its own proof (any change to it is a different key here, and gets
 * decrypted and checked from scratch). Only successful reads are remembered.
 */
export class SessionReader {
  private readonly keys = new Map<string, Promise<DerivedKey>>();
  private readonly verified = new Map<string, CachedSession>();

  constructor(
    private readonly secret: string,
    private readonly options: { maxCached?: number; now?: () => number } = {},
  ) {}

  /** Returns null for a missing, expired, tampered or malformed session. */
  async read(cookies: Record<string, string | undefined>): Promise<SessionClaims | null> {
    for (const name of SESSION_COOKIE_NAMES) {
      const token = readCookie(cookies, name);
      if (!token) continue;
      return this.verify(token, name);
    }
    return null;
  }

  /** How many verified tokens are remembered (for tests). */
  get cachedCount(): number {
    return this.verified.size;
  }

  /** Whether this cookie's token is remembered, without touching its place in the cache (for tests). */
  isCached(token: string, cookieName: string = SESSION_COOKIE_NAMES[1]): boolean {
    return this.verified.has(`${cookieName}\n${token}`);
  }

  private async verify(token: string, salt: string): Promise<SessionClaims | null> {
    const now = this.options.now?.() ?? Date.now();
    const cacheKey = `${salt}\n${token}`;
    const cached = this.verified.get(cacheKey);
    if (cached) {
      this.verified.delete(cacheKey);
      if (now >= cached.expiresAt + CLOCK_TOLERANCE_MS) return null;
      this.verified.set(cacheKey, cached); // most recently used last
      return cached.claims;
    }
    let payload: Awaited<ReturnType<typeof jwtDecrypt>>["payload"];
    try {
      ({ payload } = await jwtDecrypt(token, ({ kid, enc }) => this.keyFor(salt, enc, kid), {
        ...DECRYPT_OPTIONS,
        currentDate: new Date(now),
      }));
    } catch {
      // Wrong key, altered ciphertext or an expired token: not a session.
      return null;
    }
    if (typeof payload.sub !== "string" || payload.sub.length === 0) return null;
    const claims = { userId: payload.sub, sessionId: typeof payload.sid === "string" ? payload.sid : null };
    // A token without exp never expires for jose; Auth.js always sets one.
    if (typeof payload.exp === "number") this.remember(cacheKey, { claims, expiresAt: payload.exp * 1000 });
    return claims;
  }

  private remember(cacheKey: string, session: CachedSession): void {
    const max = this.options.maxCached ?? 10_000;
    if (max <= 0) return;
    while (this.verified.size >= max) {
      const oldest = this.verified.keys().next().value;
      if (oldest === undefined) break;
      this.verified.delete(oldest);
    }
    this.verified.set(cacheKey, session);
  }

  /** The key Auth.js derives for this cookie name and encryption, refused when the token names another. */
  private async keyFor(salt: string, enc: string, kid: string | undefined): Promise<Uint8Array> {
    const id = `${salt}\n${enc}`;
    let derived = this.keys.get(id);
    if (!derived) {
      derived = deriveKey(this.secret, salt, enc);
      this.keys.set(id, derived);
    }
    const { key, kid: expected } = await derived;
    if (kid !== undefined && kid !== expected) throw new Error("no matching decryption secret");
    return key;
  }
}

/** @auth/core/jwt's getDerivedEncryptionKey, and the thumbprint it compares a token's `kid` with. */
async function deriveKey(secret: string, salt: string, enc: string): Promise<DerivedKey> {
  const length = enc === "A256CBC-HS512" ? 64 : enc === "A256GCM" ? 32 : 0;
  if (length === 0) throw new Error("Unsupported JWT Content Encryption Algorithm");
  const key = new Uint8Array(hkdfSync("sha256", secret, salt, `Auth.js Generated Encryption Key (${salt})`, length));
  const kid = await calculateJwkThumbprint(
    { kty: "oct", k: base64url.encode(key) },
    length === 64 ? "sha512" : "sha256",
  );
  return { key, kid };
}
