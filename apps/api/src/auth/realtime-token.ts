import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Short-lived tokens for the WebSocket: the browser cannot send the HttpOnly
 * session cookie to another origin's socket, so it trades the cookie for one of
 * these at GET /api/realtime/token. Format:
 * base64url("v2.<userId>.<sessionId>.<expiresAtMs>").<base64url HMAC>; the
 * session id lets the hub close a socket when its session ends.
 */
export interface RealtimeIdentity {
  userId: string;
  sessionId: string;
  /** When the token was issued (its expiry less the lifetime), in ms. */
  issuedAt: number;
  /** When it expires, in ms: a socket it authenticated loses the user channel then. */
  expiresAt: number;
}

export class RealtimeTokens {
  private readonly key: Buffer;

  constructor(
    authSecret: string,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac("sha256", authSecret).update("tradeboard realtime token v1").digest();
  }

  issue(userId: string, sessionId: string): { token: string; expiresAt: Date } {
    const expiresAt = this.now() + this.ttlMs;
    const payload = Buffer.from(`v2.${userId}.${sessionId}.${expiresAt}`).toString("base64url");
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: new Date(expiresAt) };
  }

  /** Who a valid, unexpired token was issued to; null for anything else. */
  verify(token: string): RealtimeIdentity | null {
    const [payload, signature, extra] = token.split(".");
    if (!payload || !signature || extra !== undefined) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [version, userId, sessionId, expires, rest] = Buffer.from(payload, "base64url").toString().split(".");
    if (version !== "v2" || !userId || !sessionId || !expires || rest !== undefined || !/^\d+$/.test(expires)) {
      return null;
    }
    const expiresAt = Number(expires);
    return expiresAt > this.now() ? { userId, sessionId, issuedAt: expiresAt - this.ttlMs, expiresAt } : null;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }
}
