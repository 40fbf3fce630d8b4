import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../src/services/login-throttle.ts";
import { WindowLimiter } from "../src/services/rate-limit.ts";

/** An injectable clock: time moves only when a test says so. */
function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("WindowLimiter", () => {
  it("allows `limit` events per key per window, then says how long to wait", () => {
    const time = clock();
    const limiter = new WindowLimiter({ limit: 3, windowMs: 60_000 }, time.now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0]);
    expect(limiter.take("a")).toBe(60);
    expect(limiter.take("b")).toBe(0);
    time.advance(45_000);
    expect(limiter.take("a")).toBe(15);
    time.advance(15_000);
    expect(limiter.take("a")).toBe(0);
  });

  it("stays bounded under a spray of distinct keys, and a hot key stays limited", () => {
    const time = clock();
    const limiter = new WindowLimiter({ limit: 5, windowMs: 60_000, maxKeys: 1_000 }, time.now);
    for (let i = 0; i < 5; i++) expect(limiter.take("hot")).toBe(0);
    expect(limiter.take("hot")).toBeGreaterThan(0);
    // All inside one window: nothing has expired, so pruning expired entries frees nothing.
    for (let i = 0; i < 150_000; i++) limiter.take(`spray-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(2_000);
    expect(limiter.take("hot")).toBeGreaterThan(0);
    // The newest sprayed key is still remembered and keeps its count: four more, then limited.
    for (let i = 0; i < 4; i++) expect(limiter.take("spray-149999")).toBe(0);
    expect(limiter.take("spray-149999")).toBeGreaterThan(0);
  });

  it("keeps the keys that reached the limit even when a spray blocks many more", () => {
    const time = clock();
    const limiter = new WindowLimiter({ limit: 1, windowMs: 60_000, maxKeys: 100 }, time.now);
    limiter.take("hot");
    time.advance(1);
    // Each sprayed key is blocked too: the oldest blocked keys make room, the newest stay.
    for (let i = 0; i < 99; i++) limiter.take(`spray-${i}`);
    expect(limiter.take("hot")).toBeGreaterThan(0);
    expect(limiter.size).toBeLessThanOrEqual(200);
  });
});

describe("LoginThrottle", () => {
  const limits = { perEmailAndIp: 5, perIp: 30, perEmail: 100, windowMs: 900_000, emailWindowMs: 3_600_000 };

  it("stays bounded under a spray of distinct emails and addresses, and a hot pair stays throttled", () => {
    const time = clock();
    const throttle = new LoginThrottle({ ...limits, maxKeys: 1_000 }, time.now);
    for (let i = 0; i < 5; i++) throttle.recordFailure("victim@example.com", "203.0.113.9");
    expect(throttle.retryAfterSeconds("victim@example.com", "203.0.113.9")).toBeGreaterThan(0);
    for (let i = 0; i < 50_000; i++) throttle.recordFailure(`spray-${i}@example.com`, `10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(6_000);
    expect(throttle.retryAfterSeconds("victim@example.com", "203.0.113.9")).toBeGreaterThan(0);
  });
});
