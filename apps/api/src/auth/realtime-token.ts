import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Short-lived tokens for the WebSocket: the browser cannot send the HttpOnly
 * session cookie to another origin's socket, so it trades the cookie for one of
 * these at GET /api/realtime/token. Format: base64url("v1.<userId>.<expiresAtMs>").<base64url HMAC>.
 */
export class RealtimeTokens {
  private readonly key: Buffer;

  constructor(
    authSecret: string,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac("sha256", authSecret).update("tradeboard realtime token v1").digest();
  }

  issue(userId: string): { token: string; expiresAt: Date } {
    const expiresAt = this.now() + this.ttlMs;
    const payload = Buffer.from(`v1.${userId}.${expiresAt}`).toString("base64url");
    return { token: `${payload}.${this.sign(payload)}`, expiresAt: new Date(expiresAt) };
  }

  /** The user id of a valid, unexpired token; null for anything else. */
  verify(token: string): string | null {
    const [payload, signature, extra] = token.split(".");
    if (!payload || !signature || extra !== undefined) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const [version, userId, expires] = Buffer.from(payload, "base64url").toString().split(".");
    if (version !== "v1" || !userId || !expires || !/^\d+$/.test(expires)) return null;
    return Number(expires) > this.now() ? userId : null;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url");
  }
}
