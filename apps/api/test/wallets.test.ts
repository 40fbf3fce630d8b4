import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SIWE_LINK_STATEMENT, SIWE_SIGN_IN_STATEMENT } from "@tradeboard/contracts";
import { type Database, executedRows } from "@tradeboard/db";
import { sql } from "drizzle-orm";
import type { FastifyInstance } from "fastify";
import { type Hex, numberToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deriveServiceKey } from "../src/auth/service-key.ts";
import { NONCES_PER_MINUTE, SIGNATURE_CHECKS_PER_MINUTE } from "../src/routes/wallets.ts";
import { SiweService } from "../src/services/siwe.ts";
import { sessionCookie, signedInUser, TEST_SECRET, testApp, WEB_ORIGIN } from "./helpers/app.ts";
import { openTestDatabase, testDrivers } from "./helpers/database.ts";
import { type SiweFields, signSiwe } from "./helpers/siwe.ts";

const SERVICE_KEY = deriveServiceKey(TEST_SECRET);
const HOST = new URL(WEB_ORIGIN).host;

type Wallet = ReturnType<typeof privateKeyToAccount>;
const newWallet = (): Wallet => privateKeyToAccount(generatePrivateKey());

describe.each(testDrivers)("Sign-In with Ethereum and linked wallets on %s", (driver) => {
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await openTestDatabase(driver);
    ({ app } = await testApp(database, { WALLET_CHAIN_IDS: [1, 31337] }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const nonce = async (target = app): Promise<string> => {
    const res = await target.inject({ method: "GET", url: "/api/siwe/nonce" });
    expect(res.statusCode).toBe(200);
    return (res.json() as { nonce: string }).nonce;
  };

  /** What the browser does: a nonce from the api, a message for this site, signed by the wallet. */
  const signed = async (wallet: Wallet, overrides: SiweFields = {}, target = app) =>
    signSiwe(wallet, { origin: WEB_ORIGIN, nonce: await nonce(target) }, overrides);

  const signIn = (body: object, target = app, key: string | null = SERVICE_KEY) =>
    target.inject({
      method: "POST",
      url: "/api/internal/auth/siwe",
      payload: body,
      headers: key === null ? {} : { "x-tradeboard-service-key": key },
    });

  const userCount = async () => {
    const rows = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from users`);
    return Number(executedRows<{ n: number }>(rows)[0]?.n);
  };

  describe("GET /api/siwe/nonce", () => {
    it("issues a fresh alphanumeric nonce each time, never cached", async () => {
      const res = await app.inject({ method: "GET", url: "/api/siwe/nonce" });
      expect(res.headers["cache-control"]).toBe("no-store");
      const first = (res.json() as { nonce: string }).nonce;
      expect(first).toMatch(/^[a-zA-Z0-9]{16,}$/);
      expect(await nonce()).not.toBe(first);
    });

    it("limits how many nonces one client address may ask for per minute", async () => {
      const fresh = await testApp(database);
      try {
        const ask = () => fresh.app.inject({ method: "GET", url: "/api/siwe/nonce", remoteAddress: "203.0.113.9" });
        for (let i = 0; i < NONCES_PER_MINUTE; i++) expect((await ask()).statusCode).toBe(200);
        const refused = await ask();
        expect(refused.statusCode).toBe(429);
        expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
        expect(refused.json()).toMatchObject({ error: { code: "rate_limited" } });
        // Another address is not affected.
        const other = await fresh.app.inject({ method: "GET", url: "/api/siwe/nonce", remoteAddress: "203.0.113.10" });
        expect(other.statusCode).toBe(200);
      } finally {
        await fresh.app.close();
      }
    });
  });

  describe("POST /api/internal/auth/siwe", () => {
    it("opens an account with the starting balance for a new address, then signs in to the same one", async () => {
      const wallet = newWallet();
      const before = await userCount();
      const first = await signIn(await signed(wallet));
      expect(first.statusCode).toBe(200);
      const { user, created } = first.json() as {
        user: { id: string; email: string | null; name: string };
        created: boolean;
      };
      expect(created).toBe(true);
      expect(user.email).toBeNull();
      expect(user.name).toBe(`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}`);
      expect(await userCount()).toBe(before + 1);

      const balances = await app.inject({
        method: "GET",
        url: "/api/balances",
        headers: { cookie: await sessionCookie(database, { sub: user.id }) },
      });
      expect(balances.json()).toMatchObject({ balances: [{ asset: "USD", available: "100000.00", held: "0.00" }] });

      const again = await signIn(await signed(wallet));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ user: { id: user.id }, created: false });
      expect(await userCount()).toBe(before + 1);

      const wallets = await app.inject({
        method: "GET",
        url: "/api/users/me/wallets",
        headers: { cookie: await sessionCookie(database, { sub: user.id }) },
      });
      expect(wallets.json()).toEqual({
        wallets: [{ address: wallet.address, chainId: 1, linkedAt: expect.any(String), nativeBalance: null }],
      });
    });

    it("refuses a replayed message: the nonce is used once", async () => {
      const body = await signed(newWallet());
      expect((await signIn(body)).statusCode).toBe(200);
      const before = await userCount();
      const replay = await signIn(body);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toMatchObject({ error: { code: "siwe_nonce_used", message: /already used/ } });
      expect(await userCount()).toBe(before);
    });

    it("lets exactly one of many identical requests sent at once through", async () => {
      const body = await signed(newWallet());
      const before = await userCount();
      const answers = await Promise.all(Array.from({ length: 12 }, () => signIn(body)));
      expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.statusCode === 401)).toHaveLength(11);
      expect(await userCount()).toBe(before + 1);
    });

    it("refuses a nonce the api never issued", async () => {
      const wallet = newWallet();
      const message = createSiweMessage({
        address: wallet.address,
        chainId: 1,
        domain: HOST,
        uri: WEB_ORIGIN,
        nonce: "madeUpNonce12345",
        version: "1",
        issuedAt: new Date(),
      });
      const res = await signIn({ message, signature: await wallet.signMessage({ message }) });
      expect(res.json()).toMatchObject({ error: { code: "siwe_nonce_used" } });
    });

    it("refuses a message for another domain or URI, and nothing is created", async () => {
      const wallet = newWallet();
      const before = await userCount();
      const otherDomain = await signIn(await signed(wallet, { domain: "evil.example", uri: "https://evil.example" }));
      expect(otherDomain.statusCode).toBe(401);
      expect(otherDomain.json()).toMatchObject({ error: { code: "siwe_wrong_domain", message: /evil\.example/ } });
      const otherUri = await signIn(await signed(wallet, { uri: "https://evil.example/login" }));
      expect(otherUri.json()).toMatchObject({ error: { code: "siwe_wrong_domain" } });
      expect(await userCount()).toBe(before);
    });

    it("refuses an expired message, an old one and one issued in the future", async () => {
      const wallet = newWallet();
      const before = await userCount();
      const expired = await signIn(
        await signed(wallet, {
          issuedAt: new Date(Date.now() - 120_000),
          expirationTime: new Date(Date.now() - 60_000),
        }),
      );
      expect(expired.statusCode).toBe(401);
      expect(expired.json()).toMatchObject({ error: { code: "siwe_expired", message: /expired/ } });
      const old = await signIn(
        await signed(wallet, { issuedAt: new Date(Date.now() - 60 * 60_000), expirationTime: undefined }),
      );
      expect(old.json()).toMatchObject({ error: { code: "siwe_expired" } });
      const future = await signIn(await signed(wallet, { issuedAt: new Date(Date.now() + 10 * 60_000) }));
      expect(future.json()).toMatchObject({ error: { code: "siwe_expired" } });
      expect(await userCount()).toBe(before);
    });

    it("refuses a nonce older than its lifetime", async () => {
      let now = Date.now();
      const clocked = await testApp(database, { SIWE_NONCE_TTL_SECONDS: 30 }, { now: () => now });
      try {
        const body = await signed(newWallet(), {}, clocked.app);
        // The message itself is still valid; only the nonce has lapsed on the api's clock.
        now += 31_000;
        const res = await signIn(body, clocked.app);
        expect(res.json()).toMatchObject({ error: { code: "siwe_expired" } });
      } finally {
        await clocked.app.close();
      }
    });

    it("refuses a signature from another key, and the nonce is used up by that first try", async () => {
      const wallet = newWallet();
      const body = await signed(wallet);
      const forged = await newWallet().signMessage({ message: body.message });
      const before = await userCount();
      const res = await signIn({ message: body.message, signature: forged });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: "siwe_bad_signature", message: new RegExp(wallet.address) } });
      // One nonce, one signature check: the message cannot be tried again, even correctly signed.
      const retry = await signIn(body);
      expect(retry.statusCode).toBe(401);
      expect(retry.json()).toMatchObject({ error: { code: "siwe_nonce_used" } });
      expect(await userCount()).toBe(before);
      // A new nonce works.
      expect((await signIn(await signed(wallet))).statusCode).toBe(200);
    });

    it("refuses a message whose statement is not the sign-in one (a link message, or none)", async () => {
      const wallet = newWallet();
      const before = await userCount();
      for (const statement of [SIWE_LINK_STATEMENT, undefined, "Sign in to Tradeboard!"]) {
        const res = await signIn(await signed(wallet, { statement }));
        expect(res.statusCode, String(statement)).toBe(401);
        expect(res.json()).toMatchObject({ error: { code: "siwe_wrong_statement" } });
      }
      expect(await userCount()).toBe(before);
    });

    it("throttles signature checks per client address", async () => {
      const fresh = await testApp(database, { WALLET_CHAIN_IDS: [1] });
      try {
        const wallet = newWallet();
        const attempt = async (ip: string) =>
          signIn({ ...(await signSiwe(wallet, { origin: WEB_ORIGIN, nonce: await nonce(fresh.app) })), ip }, fresh.app);
        for (let i = 0; i < SIGNATURE_CHECKS_PER_MINUTE; i++) {
          expect((await attempt("203.0.113.9")).statusCode).toBe(200);
        }
        const refused = await attempt("203.0.113.9");
        expect(refused.statusCode).toBe(429);
        expect(refused.headers["retry-after"]).toMatch(/^\d+$/);
        expect(refused.json()).toMatchObject({ error: { code: "rate_limited" } });
        expect((await attempt("198.51.100.7")).statusCode).toBe(200);
      } finally {
        await fresh.app.close();
      }
    });

    it("refuses a chain that is not configured", async () => {
      const res = await signIn(await signed(newWallet(), { chainId: 137 }));
      expect(res.json()).toMatchObject({ error: { code: "siwe_wrong_chain", message: /1, 31337/ } });
    });

    it("answers malformed input with a clear 400", async () => {
      const notSiwe = await signIn({ message: "hello", signature: "0x1234" });
      expect(notSiwe.statusCode).toBe(400);
      expect(notSiwe.json()).toMatchObject({ error: { code: "siwe_invalid_message" } });
      const notHex = await signIn({ message: "hello", signature: "signed!" });
      expect(notHex.statusCode).toBe(400);
      expect(notHex.json()).toMatchObject({ error: { code: "validation_failed", fields: { signature: /hex/ } } });
      const missing = await signIn({ message: "hello" });
      expect(missing.statusCode).toBe(400);
    });

    it("does not exist for callers without the service key", async () => {
      const res = await signIn(await signed(newWallet()), app, null);
      expect(res.statusCode).toBe(404);
      const wrong = await signIn(await signed(newWallet()), app, "not-the-key");
      expect(wrong.statusCode).toBe(404);
    });
  });

  describe("linking wallets to an account", () => {
    const link = (cookie: string, body: object) =>
      app.inject({ method: "POST", url: "/api/users/me/wallets", payload: body, headers: { cookie } });
    /** What the settings page has the wallet sign: the link statement. */
    const linkSigned = (wallet: Wallet) => signed(wallet, { statement: SIWE_LINK_STATEMENT });
    const unlink = (cookie: string, address: string) =>
      app.inject({ method: "DELETE", url: `/api/users/me/wallets/${address}`, headers: { cookie } });
    const list = async (cookie: string) =>
      (
        (await app.inject({ method: "GET", url: "/api/users/me/wallets", headers: { cookie } })).json() as {
          wallets: { address: string }[];
        }
      ).wallets.map((w) => w.address);

    async function passwordUser(name: string) {
      const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
      const res = await app.inject({
        method: "POST",
        url: "/api/users",
        payload: { name, email, password: "a long enough password" },
      });
      const { id } = res.json() as { id: string };
      return { id, cookie: await sessionCookie(database, { sub: id }) };
    }

    it("links a wallet to an email account; signing in with it reaches the same account", async () => {
      const user = await passwordUser("Linker");
      const wallet = newWallet();
      const res = await link(user.cookie, await linkSigned(wallet));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ wallet: { address: wallet.address, chainId: 1, nativeBalance: null } });
      expect(await list(user.cookie)).toEqual([wallet.address]);
      // Linking it again is harmless.
      expect((await link(user.cookie, await linkSigned(wallet))).statusCode).toBe(200);

      const signInRes = await signIn(await signed(wallet));
      expect(signInRes.json()).toMatchObject({ user: { id: user.id }, created: false });
    });

    it("refuses a wallet that already signs in to another account", async () => {
      const owner = await passwordUser("Owner");
      const other = await passwordUser("Other");
      const wallet = newWallet();
      await link(owner.cookie, await linkSigned(wallet));
      const res = await link(other.cookie, await linkSigned(wallet));
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: "wallet_taken" } });
      expect(await list(other.cookie)).toEqual([]);
    });

    it("refuses a sign-in message as a link, and links nothing", async () => {
      const user = await passwordUser("Mixer");
      const res = await link(user.cookie, await signed(newWallet()));
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: "siwe_wrong_statement" } });
      expect(await list(user.cookie)).toEqual([]);
    });

    it("refuses a link whose signature does not match, and needs a session", async () => {
      const user = await passwordUser("Forger");
      const body = await linkSigned(newWallet());
      const forged = await link(user.cookie, {
        message: body.message,
        signature: await newWallet().signMessage({ message: body.message }),
      });
      expect(forged.json()).toMatchObject({ error: { code: "siwe_bad_signature" } });
      const anonymous = await app.inject({ method: "POST", url: "/api/users/me/wallets", payload: body });
      expect(anonymous.statusCode).toBe(401);
      expect(await list(user.cookie)).toEqual([]);
    });

    it("unlinks; afterwards the address opens an account of its own", async () => {
      const user = await passwordUser("Unlinker");
      const wallet = newWallet();
      await link(user.cookie, await linkSigned(wallet));
      const res = await unlink(user.cookie, wallet.address.toLowerCase());
      expect(res.statusCode).toBe(204);
      expect(await list(user.cookie)).toEqual([]);
      const signInRes = await signIn(await signed(wallet));
      expect(signInRes.json()).toMatchObject({ created: true });
      expect((signInRes.json() as { user: { id: string } }).user.id).not.toBe(user.id);
    });

    it("keeps a wallet-only account's last wallet, and another user's wallet is not found", async () => {
      const wallet = newWallet();
      const { user } = (await signIn(await signed(wallet))).json() as { user: { id: string } };
      const cookie = await sessionCookie(database, { sub: user.id });
      const last = await unlink(cookie, wallet.address);
      expect(last.statusCode).toBe(409);
      expect(last.json()).toMatchObject({ error: { code: "last_sign_in_method" } });

      const second = newWallet();
      expect((await link(cookie, await linkSigned(second))).statusCode).toBe(201);
      const stranger = await signedInUser(database, "Stranger");
      expect((await unlink(stranger.cookie, second.address)).statusCode).toBe(404);
      expect((await unlink(cookie, wallet.address)).statusCode).toBe(204);
      expect(await list(cookie)).toEqual([second.address]);
      expect((await unlink(cookie, "not-an-address")).statusCode).toBe(400);
    });
  });
});

describe("wallets through an RPC URL", () => {
  let rpc: Server;
  let rpcUrl: string;
  let callResult: Hex = "0x";
  const calls: string[] = [];
  let database: Database;
  let app: FastifyInstance;

  beforeAll(async () => {
    // A stand-in Ethereum node: the chain is outside our system.
    rpc = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        const { id, method } = JSON.parse(raw) as { id: number; method: string };
        calls.push(method);
        const result =
          method === "eth_chainId"
            ? "0x1"
            : method === "eth_getBalance"
              ? numberToHex(1_500_000_000_000_000_000n)
              : method === "eth_call"
                ? callResult
                : null;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      });
    });
    await new Promise<void>((resolve) => rpc.listen(0, "127.0.0.1", resolve));
    rpcUrl = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;
    database = await openTestDatabase("pglite");
    ({ app } = await testApp(database, { WALLET_CHAIN_IDS: [1], WALLET_RPC_URLS: { 1: rpcUrl } }));
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
    rpc?.close();
  });

  async function signedBy(signer: Wallet, address: Hex) {
    const res = await app.inject({ method: "GET", url: "/api/siwe/nonce" });
    const message = createSiweMessage({
      address,
      chainId: 1,
      domain: HOST,
      uri: WEB_ORIGIN,
      nonce: (res.json() as { nonce: string }).nonce,
      version: "1",
      statement: SIWE_SIGN_IN_STATEMENT,
      issuedAt: new Date(),
    });
    return { message, signature: await signer.signMessage({ message }) };
  }
  const signIn = (body: object) =>
    app.inject({
      method: "POST",
      url: "/api/internal/auth/siwe",
      payload: body,
      headers: { "x-tradeboard-service-key": SERVICE_KEY },
    });

  it("shows the native balance of a linked wallet", async () => {
    const wallet = newWallet();
    const { user } = (await signIn(await signedBy(wallet, wallet.address))).json() as { user: { id: string } };
    const res = await app.inject({
      method: "GET",
      url: "/api/users/me/wallets",
      headers: { cookie: await sessionCookie(database, { sub: user.id }) },
    });
    expect(res.json()).toMatchObject({
      wallets: [{ address: wallet.address, nativeBalance: { amount: "1.5", symbol: "ETH" } }],
    });
  });

  it("asks the chain about a contract wallet's signature (EIP-1271 / ERC-6492)", async () => {
    // A contract account's address has no key; its owner key signs and the contract vouches for it.
    const contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex;
    const owner = newWallet();
    callResult = "0x0000000000000000000000000000000000000000000000000000000000000000";
    const first = await signedBy(owner, contract);
    const refused = await signIn(first);
    expect(refused.json()).toMatchObject({ error: { code: "siwe_bad_signature" } });
    expect(calls).toContain("eth_call");

    // The same message again is refused before the chain is asked: one nonce, one check.
    const checks = calls.filter((method) => method === "eth_call").length;
    const replay = await signIn(first);
    expect(replay.json()).toMatchObject({ error: { code: "siwe_nonce_used" } });
    expect(calls.filter((method) => method === "eth_call").length).toBe(checks);

    callResult = "0x0000000000000000000000000000000000000000000000000000000000000001";
    const accepted = await signIn(await signedBy(owner, contract));
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toMatchObject({ created: true, user: { name: "0x5FbD…0aa3" } });
  });

  it("answers no balance when the node is down, and never logs the RPC URL (it may hold a key)", async () => {
    const logs: string[] = [];
    const siwe = new SiweService({
      db: database.db,
      origins: [WEB_ORIGIN],
      chainIds: [1],
      rpcUrls: { 1: "http://127.0.0.1:9/v2/secret-api-key" },
      nonceTtlMs: 60_000,
      log: (line) => logs.push(line),
    });
    await expect(siwe.nativeBalance(newWallet().address, 1)).resolves.toBeNull();
    expect(logs).toHaveLength(1);
    expect(logs.join("\n")).not.toContain("secret-api-key");
  });
});
