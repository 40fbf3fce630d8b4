import { decode, encode } from "@auth/core/jwt";
import { describe, expect, it } from "vitest";
import { SessionReader } from "../src/auth/session.ts";

const SECRET = "session-test-secret-0123456789-abcdefghij";
const NAME = "authjs.session-token";

/** A cookie exactly as Auth.js writes it; `maxAge` in seconds from the real clock. */
async function token(
  claims: Record<string, unknown>,
  options: { maxAge?: number; secret?: string; salt?: string } = {},
) {
  return encode({
    token: claims,
    secret: options.secret ?? SECRET,
    salt: options.salt ?? NAME,
    maxAge: options.maxAge,
  });
}

/** Flips one character of the ciphertext or tag: a different string that no key opens. */
function tamper(jwe: string, part: number): string {
  const parts = jwe.split(".");
  const target = parts[part] ?? "";
  const i = Math.floor(target.length / 2);
  parts[part] = `${target.slice(0, i)}${target[i] === "A" ? "B" : "A"}${target.slice(i + 1)}`;
  return parts.join(".");
}

describe("SessionReader", () => {
  it("reads what Auth.js writes, as @auth/core's decode does, under either cookie name", async () => {
    const reader = new SessionReader(SECRET);
    const jwe = await token({ sub: "user-1", name: "Ann" });
    expect(await decode({ token: jwe, secret: SECRET, salt: NAME })).toMatchObject({ sub: "user-1" });
    expect(await reader.read({ [NAME]: jwe })).toEqual({ userId: "user-1", sessionId: null });
    const secure = "__Secure-authjs.session-token";
    expect(await reader.read({ [secure]: await token({ sub: "user-2" }, { salt: secure }) })).toEqual({
      userId: "user-2",
      sessionId: null,
    });
    // The salt is the cookie name: a token moved to the other cookie does not open.
    expect(await reader.read({ [secure]: jwe })).toBeNull();
  });

  it("refuses a tampered token after the genuine one was cached", async () => {
    const reader = new SessionReader(SECRET);
    const jwe = await token({ sub: "user-1" });
    expect(await reader.read({ [NAME]: jwe })).toEqual({ userId: "user-1", sessionId: null });
    expect(reader.cachedCount).toBe(1);
    for (const part of [0, 2, 3, 4]) expect(await reader.read({ [NAME]: tamper(jwe, part) })).toBeNull();
    expect(await reader.read({ [NAME]: `${jwe}x` })).toBeNull();
    expect(await reader.read({ [NAME]: jwe.slice(0, -1) })).toBeNull();
    // Failures are not remembered; the genuine token still reads from the cache.
    expect(reader.cachedCount).toBe(1);
    expect(await reader.read({ [NAME]: jwe })).toEqual({ userId: "user-1", sessionId: null });
  });

  it("refuses tokens of another secret, without a subject, or already expired", async () => {
    const reader = new SessionReader(SECRET);
    expect(await reader.read({ [NAME]: await token({ sub: "u" }, { secret: `${SECRET}-other` }) })).toBeNull();
    expect(await reader.read({ [NAME]: await token({ name: "no subject" }) })).toBeNull();
    expect(await reader.read({ [NAME]: await token({ sub: "u" }, { maxAge: -60 }) })).toBeNull();
    expect(await reader.read({ [NAME]: "garbage" })).toBeNull();
    expect(await reader.read({})).toBeNull();
    expect(reader.cachedCount).toBe(0);
  });

  it("stops answering from the cache once the token expires (with decode's 15 s tolerance)", async () => {
    let now = Date.now();
    const reader = new SessionReader(SECRET, { now: () => now });
    const jwe = await token({ sub: "user-1" }, { maxAge: 60 });
    const exp = (await decode({ token: jwe, secret: SECRET, salt: NAME }))?.exp ?? 0;
    expect(await reader.read({ [NAME]: jwe })).toEqual({ userId: "user-1", sessionId: null });
    now = exp * 1000 + 14_000;
    expect(await reader.read({ [NAME]: jwe })).toEqual({ userId: "user-1", sessionId: null });
    now = exp * 1000 + 15_000;
    expect(await reader.read({ [NAME]: jwe })).toBeNull();
    // And a fresh reader, decrypting from scratch, agrees.
    expect(await new SessionReader(SECRET, { now: () => now }).read({ [NAME]: jwe })).toBeNull();
  });

  it("keeps at most maxCached tokens, dropping the least recently used", async () => {
    const reader = new SessionReader(SECRET, { maxCached: 2 });
    const [a, b, c] = await Promise.all([token({ sub: "a" }), token({ sub: "b" }), token({ sub: "c" })]);
    await reader.read({ [NAME]: a });
    await reader.read({ [NAME]: b });
    await reader.read({ [NAME]: a }); // a is now the most recent
    await reader.read({ [NAME]: c }); // evicts b, the least recently used (a FIFO cache would evict a)
    expect(reader.cachedCount).toBe(2);
    expect([reader.isCached(a, NAME), reader.isCached(b, NAME), reader.isCached(c, NAME)]).toEqual([true, false, true]);
    expect(await reader.read({ [NAME]: b })).toEqual({ userId: "b", sessionId: null }); // decrypted again, and now it evicts a
    expect([reader.isCached(a, NAME), reader.isCached(b, NAME), reader.isCached(c, NAME)]).toEqual([false, true, true]);
  });
});
