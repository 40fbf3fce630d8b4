import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RealtimeTokens } from "../src/auth/realtime-token.ts";
import { deriveServiceKey, isServiceKey } from "../src/auth/service-key.ts";
import { loadConfig } from "../src/env.ts";
import { LoginThrottle } from "../src/services/login-throttle.ts";

describe("LoginThrottle", () => {
  const limits = { perEmailAndIp: 3, perIp: 100, perEmail: 50, windowMs: 60_000, emailWindowMs: 600_000 };

  it("blocks an email from one address after the limit until the window passes", () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterSeconds("a@x.io", "1.2.3.4")).toBe(0);
      throttle.recordFailure("a@x.io", "1.2.3.4");
    }
    expect(throttle.retryAfterSeconds("a@x.io", "1.2.3.4")).toBe(60);
    now = 45_000;
    expect(throttle.retryAfterSeconds("a@x.io", "1.2.3.4")).toBe(15);
    expect(throttle.retryAfterSeconds("b@x.io", "1.2.3.4")).toBe(0);
    now = 60_000;
    expect(throttle.retryAfterSeconds("a@x.io", "1.2.3.4")).toBe(0);
  });

  it("does not let a stranger at another address lock the owner out, nor renew it for ever", () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    // As the api does: an attempt is only heard (and can only fail) when not throttled.
    const guess = (ip: string) => {
      if (throttle.retryAfterSeconds("owner@x.io", ip) === 0) throttle.recordFailure("owner@x.io", ip);
    };
    // The stranger keeps guessing, window after window, for the whole of the email's longer window.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 10; i++) guess("203.0.113.66");
      expect(throttle.retryAfterSeconds("owner@x.io", "203.0.113.66")).toBeGreaterThan(0);
      expect(throttle.retryAfterSeconds("owner@x.io", "198.51.100.7")).toBe(0);
      now += 60_000;
    }
  });

  it("throttles an email everywhere only after far more failures, from many addresses", () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 50; i++) throttle.recordFailure("owner@x.io", `10.0.0.${i}`);
    expect(throttle.retryAfterSeconds("owner@x.io", "198.51.100.7")).toBe(600);
    now = 600_000;
    expect(throttle.retryAfterSeconds("owner@x.io", "198.51.100.7")).toBe(0);
  });

  it("forgets an email's failures from the address that then signed in", () => {
    const throttle = new LoginThrottle({ ...limits, perEmailAndIp: 2 }, () => 0);
    throttle.recordFailure("a@x.io", "1.2.3.4");
    throttle.recordSuccess("a@x.io", "1.2.3.4");
    throttle.recordFailure("a@x.io", "1.2.3.4");
    expect(throttle.retryAfterSeconds("a@x.io", "1.2.3.4")).toBe(0);
  });

  it("counts an address across emails", () => {
    const throttle = new LoginThrottle({ ...limits, perIp: 2, windowMs: 10_000 }, () => 0);
    throttle.recordFailure("a@x.io", "1.2.3.4");
    throttle.recordFailure("b@x.io", "1.2.3.4");
    expect(throttle.retryAfterSeconds("c@x.io", "1.2.3.4")).toBe(10);
    expect(throttle.retryAfterSeconds("c@x.io", "5.6.7.8")).toBe(0);
  });
});

describe("service key", () => {
  it("is derived from the secret, never the secret itself, and compared exactly", () => {
    const key = deriveServiceKey("s".repeat(40));
    expect(key).not.toContain("s".repeat(10));
    expect(deriveServiceKey("s".repeat(40))).toBe(key);
    expect(deriveServiceKey("t".repeat(40))).not.toBe(key);
    expect(isServiceKey(key, key)).toBe(true);
    expect(isServiceKey(`${key}a`, key)).toBe(false);
    expect(isServiceKey(undefined, key)).toBe(false);
  });
});

describe("RealtimeTokens", () => {
  it("round-trips a user and session id until the token expires", () => {
    let now = 1_000;
    const tokens = new RealtimeTokens("r".repeat(40), 60_000, () => now);
    const { token, expiresAt } = tokens.issue("user-1", "session-1");
    expect(expiresAt.getTime()).toBe(61_000);
    expect(tokens.verify(token)).toEqual({
      userId: "user-1",
      sessionId: "session-1",
      issuedAt: 1_000,
      expiresAt: 61_000,
    });
    now = 61_000;
    expect(tokens.verify(token)).toBeNull();
  });

  it("refuses tokens signed with another secret or changed in any way", () => {
    const tokens = new RealtimeTokens("r".repeat(40));
    const { token } = tokens.issue("user-1", "session-1");
    expect(new RealtimeTokens("q".repeat(40)).verify(token)).toBeNull();
    const [payload = "", signature = ""] = token.split(".");
    const forged = Buffer.from(Buffer.from(payload, "base64url").toString().replace("user-1", "user-2")).toString(
      "base64url",
    );
    expect(tokens.verify(`${forged}.${signature}`)).toBeNull();
    expect(tokens.verify(`${payload}.${signature}.extra`)).toBeNull();
    expect(tokens.verify("")).toBeNull();
    // A token of the previous format (no session) is no longer accepted.
    const v1 = Buffer.from(`v1.user-1.${Date.now() + 60_000}`).toString("base64url");
    const v1Signature = createHmac(
      "sha256",
      createHmac("sha256", "r".repeat(40)).update("tradeboard realtime token v1").digest(),
    )
      .update(v1)
      .digest("base64url");
    expect(tokens.verify(`${v1}.${v1Signature}`)).toBeNull();
  });
});

describe("loadConfig", () => {
  const base = { AUTH_SECRET: "x".repeat(32) };

  it("has working defaults for development", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      NODE_ENV: "development",
      API_PORT: 3001,
      WEB_ORIGIN: "http://localhost:3000",
      INITIAL_BALANCE: "100000",
      SEED_DEMO: true,
      MARKET_FEED: "simulated",
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{}, "AUTH_SECRET"],
    [{ AUTH_SECRET: "short" }, "AUTH_SECRET"],
    [{ ...base, INITIAL_BALANCE: "1e5" }, "INITIAL_BALANCE"],
    [{ ...base, API_PORT: "http" }, "API_PORT"],
    [{ ...base, DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ ...base, MARKET_FEED: "manual" }, "MARKET_FEED"],
    [{ ...base, WALLET_CHAIN_IDS: "1,mainnet" }, "WALLET_CHAIN_IDS"],
    [{ ...base, WALLET_CHAIN_IDS: "0" }, "WALLET_CHAIN_IDS"],
    [{ ...base, WALLET_RPC_URLS: "https://rpc.example" }, "WALLET_RPC_URLS"],
    [{ ...base, WALLET_RPC_URLS: "1=ftp://rpc.example" }, "WALLET_RPC_URLS"],
    [{ ...base, MARKET_FEED: "bitstamp" }, "MARKET_FEED"],
    [{ ...base, MARKET_SYMBOLS: "BTC-USD,XRP-USD" }, "MARKET_SYMBOLS"],
    [{ ...base, MARKET_SYMBOLS: " , " }, "MARKET_SYMBOLS"],
    [{ ...base, MARKET_SYMBOL_MAP: "BTC-USD:BTCUSDT" }, "MARKET_SYMBOL_MAP"],
    [{ ...base, MARKET_WS_URL: "http://127.0.0.1:9000" }, "MARKET_WS_URL"],
    [{ ...base, MARKET_REST_URL: "ws://127.0.0.1:9000" }, "MARKET_REST_URL"],
    [{ ...base, MARKET_STALE_SECONDS: "0" }, "MARKET_STALE_SECONDS"],
  ])("stops on %j naming %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });

  it("reads the seed's names (NEXTAUTH_SECRET, NEXTAUTH_URL) where the newer ones are unset, the newer winning", () => {
    const seed = loadConfig({ NEXTAUTH_SECRET: "s".repeat(32), NEXTAUTH_URL: "https://trade.example/app" });
    expect(seed.AUTH_SECRET).toBe("s".repeat(32));
    expect(seed.WEB_ORIGIN).toBe("https://trade.example");
    const both = loadConfig({
      NEXTAUTH_SECRET: "s".repeat(32),
      AUTH_SECRET: "n".repeat(32),
      NEXTAUTH_URL: "https://old.example",
      AUTH_URL: "https://new.example",
    });
    expect(both).toMatchObject({ AUTH_SECRET: "n".repeat(32), WEB_ORIGIN: "https://new.example" });
    expect(loadConfig({ ...base, AUTH_URL: "https://new.example", WEB_ORIGIN: "https://web.example" }).WEB_ORIGIN).toBe(
      "https://web.example",
    );
    expect(() => loadConfig({ NEXTAUTH_SECRET: "short" })).toThrow("AUTH_SECRET");
  });

  it("accepts wallet chains and RPC URLs; the local chain only outside production", () => {
    expect(loadConfig(base).WALLET_CHAIN_IDS).toEqual([1, 31337]);
    expect(loadConfig({ ...base, NODE_ENV: "production" }).WALLET_CHAIN_IDS).toEqual([1]);
    const config = loadConfig({
      ...base,
      WALLET_CHAIN_IDS: " 8453, 1 ,8453",
      WALLET_RPC_URLS: "1=https://eth.example/key,8453=https://base.example",
    });
    expect(config.WALLET_CHAIN_IDS).toEqual([8453, 1]);
    expect(config.WALLET_RPC_URLS).toEqual({ 1: "https://eth.example/key", 8453: "https://base.example" });
  });

  it("reads the live feed settings", () => {
    const config = loadConfig({
      ...base,
      MARKET_FEED: "binance",
      MARKET_SYMBOLS: "BTC-USD, ETH-USD",
      MARKET_SYMBOL_MAP: "BTC-USD=BTC-USDC",
      MARKET_WS_URL: "ws://127.0.0.1:9000",
      MARKET_REST_URL: "http://127.0.0.1:9001",
    });
    expect(config).toMatchObject({
      MARKET_FEED: "binance",
      MARKET_SYMBOLS: ["BTC-USD", "ETH-USD"],
      MARKET_SYMBOL_MAP: "BTC-USD=BTC-USDC",
      MARKET_STALE_SECONDS: 10,
    });
    expect(loadConfig(base).MARKET_SYMBOLS).toEqual(["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "AVAX-USD"]);
  });

  it("allows the manual feed only in test runs, and does not seed a demo in production", () => {
    expect(loadConfig({ ...base, NODE_ENV: "test", MARKET_FEED: "manual" }).MARKET_FEED).toBe("manual");
    expect(loadConfig({ ...base, NODE_ENV: "production" }).SEED_DEMO).toBe(false);
  });
});

describe("ReplayFeed", () => {
  it("plays the shipped sample in real time, on the markets' grids", async () => {
    const { ReplayFeed } = await import("../src/market/feed.ts");
    const { DEFAULT_MARKETS, isOnGrid } = await import("@tradeboard/core");
    const file = new URL("../data/replay-sample.jsonl", import.meta.url).pathname;
    const feed = new ReplayFeed(file, new Set(DEFAULT_MARKETS.map((m) => m.symbol)));
    const ticks: { symbol: string; price: string; quantity: string; time: number }[] = [];
    feed.start((tick) => ticks.push(tick));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    feed.stop();
    expect(ticks.length).toBeGreaterThan(3);
    for (const tick of ticks) {
      const spec = DEFAULT_MARKETS.find((m) => m.symbol === tick.symbol);
      expect(spec).toBeDefined();
      expect(isOnGrid(tick.price, spec?.tickSize ?? "1")).toBe(true);
      expect(isOnGrid(tick.quantity, spec?.lotSize ?? "1")).toBe(true);
      expect(Math.abs(tick.time - Date.now())).toBeLessThan(5_000);
    }
  });

  it("refuses a file without usable ticks", async () => {
    const { ReplayFeed } = await import("../src/market/feed.ts");
    const file = new URL("../data/replay-sample.jsonl", import.meta.url).pathname;
    expect(() => new ReplayFeed(file, new Set(["XRP-USD"]))).toThrow("no ticks");
  });
});
