import { SIWE_LINK_STATEMENT } from "@tradeboard/contracts";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SiweFields, signSiwe } from "../apps/api/test/helpers/siwe.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/**
 * Sign-In with Ethereum through the web app's own Auth.js endpoints, the way
 * next-auth/react posts it, with a viem local account as the wallet.
 */
describe("Sign-In with Ethereum through Auth.js", () => {
  let system: RunningSystem;
  let adminCookie: string;

  beforeAll(async () => {
    system = await startSystem();
    const admin = await signInWith("credentials", { email: "demo@tradeboard.dev", password: "tradeboard-demo" });
    if (!admin.cookie) throw new Error(`the demo administrator could not sign in: ${admin.status} ${admin.location}`);
    adminCookie = admin.cookie;
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  const web = (path: string) => `${system.webUrl}${path}`;

  /** A cookie jar of one: the name=value pairs of Set-Cookie headers. */
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(";")[0]);

  /** POST /api/auth/callback/<provider> with a CSRF token, as the browser does. */
  async function signInWith(provider: string, fields: Record<string, string>) {
    const csrf = await fetch(web("/api/auth/csrf"));
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const response = await fetch(web(`/api/auth/callback/${provider}`), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookiesOf(csrf).join("; ") },
      body: new URLSearchParams({ ...fields, csrfToken, callbackUrl: web("/dashboard") }),
    });
    const session = cookiesOf(response).find((c) => c?.startsWith("authjs.session-token="));
    const location = response.headers.get("location") ?? "";
    return {
      status: response.status,
      location,
      cookie: session,
      code: new URL(location, web("/")).searchParams.get("code"),
    };
  }

  async function signedMessage(wallet: PrivateKeyAccount, overrides: SiweFields = {}) {
    const { nonce } = (await (await fetch(web("/api/siwe/nonce"))).json()) as { nonce: string };
    return signSiwe(wallet, { origin: system.webUrl, nonce }, overrides);
  }

  const me = async (cookie: string) => {
    const response = await fetch(web("/api/users/me"), { headers: { cookie } });
    expect(response.status).toBe(200);
    return (await response.json()) as { id: string; name: string; email: string | null };
  };
  const userTotal = async () => {
    const response = await fetch(web("/api/users?pageSize=1"), { headers: { cookie: adminCookie } });
    return ((await response.json()) as { total: number }).total;
  };

  it("opens an account for a new address, and signs in to the same one again", async () => {
    const wallet = privateKeyToAccount(generatePrivateKey());
    const before = await userTotal();
    const first = await signInWith("siwe", await signedMessage(wallet));
    expect(first.status).toBe(302);
    expect(first.location).toBe(web("/dashboard"));
    expect(first.cookie).toBeDefined();
    const user = await me(first.cookie ?? "");
    expect(user.name).toBe(`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}`);
    expect(user.email).toBeNull();

    const session = (await (
      await fetch(web("/api/auth/session"), { headers: { cookie: first.cookie ?? "" } })
    ).json()) as {
      user: { id: string };
    };
    expect(session.user.id).toBe(user.id);

    const balances = await fetch(web("/api/balances"), { headers: { cookie: first.cookie ?? "" } });
    expect(await balances.json()).toMatchObject({ balances: [{ asset: "USD", available: "100000.00" }] });

    const again = await signInWith("siwe", await signedMessage(wallet));
    expect((await me(again.cookie ?? "")).id).toBe(user.id);
    expect(await userTotal()).toBe(before + 1);
  });

  it("refuses a replayed message, and creates nothing", async () => {
    const signed = await signedMessage(privateKeyToAccount(generatePrivateKey()));
    expect((await signInWith("siwe", signed)).cookie).toBeDefined();
    const before = await userTotal();
    const replay = await signInWith("siwe", signed);
    expect(replay.cookie).toBeUndefined();
    expect(replay.code).toBe("siwe_nonce_used");
    expect(new URL(replay.location).pathname).toBe("/login");
    expect(await userTotal()).toBe(before);
  });

  it("refuses a message for another domain", async () => {
    const before = await userTotal();
    const wallet = privateKeyToAccount(generatePrivateKey());
    const refused = await signInWith(
      "siwe",
      await signedMessage(wallet, { domain: "tradeboard.evil.example", uri: "https://tradeboard.evil.example" }),
    );
    expect(refused.cookie).toBeUndefined();
    expect(refused.code).toBe("siwe_wrong_domain");
    expect(await userTotal()).toBe(before);
  });

  it("refuses an expired message", async () => {
    const before = await userTotal();
    const wallet = privateKeyToAccount(generatePrivateKey());
    const refused = await signInWith(
      "siwe",
      await signedMessage(wallet, {
        issuedAt: new Date(Date.now() - 3 * 60_000),
        expirationTime: new Date(Date.now() - 60_000),
      }),
    );
    expect(refused.cookie).toBeUndefined();
    expect(refused.code).toBe("siwe_expired");
    expect(await userTotal()).toBe(before);
  });

  it("refuses a signature from another key", async () => {
    const before = await userTotal();
    const wallet = privateKeyToAccount(generatePrivateKey());
    const { message } = await signedMessage(wallet);
    const signature = await privateKeyToAccount(generatePrivateKey()).signMessage({ message });
    const refused = await signInWith("siwe", { message, signature });
    expect(refused.cookie).toBeUndefined();
    expect(refused.code).toBe("siwe_bad_signature");
    expect(await userTotal()).toBe(before);
  });

  it("refuses a message signed to link a wallet", async () => {
    const before = await userTotal();
    const wallet = privateKeyToAccount(generatePrivateKey());
    const linking = await signedMessage(wallet, { statement: SIWE_LINK_STATEMENT });
    const refused = await signInWith("siwe", linking);
    expect(refused.cookie).toBeUndefined();
    expect(refused.code).toBe("siwe_wrong_statement");
    expect(await userTotal()).toBe(before);
  });

  it("refuses what is not a signed message at all", async () => {
    const refused = await signInWith("siwe", { message: "let me in", signature: "nope" });
    expect(refused.cookie).toBeUndefined();
    expect(refused.code).toBe("siwe_invalid_message");
  });
});
