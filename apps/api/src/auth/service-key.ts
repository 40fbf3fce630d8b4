import { createHmac, timingSafeEqual } from "node:crypto";

export const SERVICE_KEY_HEADER = "x-tradeboard-service-key";

/**
 * The key the web app presents on internal endpoints. Derived from AUTH_SECRET
 * with a purpose label, so the secret itself never travels and the key is
 * useless for decrypting sessions.
 */
export function deriveServiceKey(authSecret: string): string {
  return createHmac("sha256", authSecret).update("tradeboard internal service key v1").digest("base64url");
}

export function isServiceKey(candidate: string | undefined, expected: string): boolean {
  if (typeof candidate !== "string") return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time flat.
  return a.length === b.length ? timingSafeEqual(a, b) : !timingSafeEqual(b, b);
}
