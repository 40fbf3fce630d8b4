import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import {
  type IdentityProvider,
  OIDC_CLIENT,
  OTHER_CLIENT,
  startIdentityProvider,
} from "./helpers/identity-provider.ts";
import { freePort, type RunningSystem, startSystem } from "./helpers/system.ts";

const PROVIDER_NAME = "Acme SSO";

/**
 * Signing in with a real OpenID Connect provider (oidc-provider, on loopback):
 * its own login and consent pages, then Tradeboard's dashboard; linking and
 * unlinking in Settings; and the refusals (unverified email, cancelled
 * consent, a tampered or replayed callback, a code issued to another client).
 */
describe("signing in with an OpenID Connect provider, in Chromium", () => {
  let system: RunningSystem;
  let idp: IdentityProvider;
  let browser: Browser;
  let webUrl: string;

  beforeAll(async () => {
    const webPort = await freePort();
    webUrl = `http://localhost:${webPort}`;
    idp = await startIdentityProvider(webUrl);
    [system, browser] = await Promise.all([
      startSystem({
        webPort,
        webEnv: {
          AUTH_OIDC_ISSUER: idp.issuer,
          AUTH_OIDC_ID: OIDC_CLIENT.id,
          AUTH_OIDC_SECRET: OIDC_CLIENT.secret,
          AUTH_OIDC_NAME: PROVIDER_NAME,
        },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await idp?.stop();
  });

  const url = (path: string) => `${webUrl}${path}`;

  /** On the provider's own pages: its login form (any name), then its consent page. */
  async function logInAtProvider(page: Page, login: string) {
    await page.waitForURL((u) => u.toString().startsWith(idp.issuer));
    await page.locator("input[name=login]").fill(login);
    await page.locator("input[name=password]").fill("anything");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
  }

  async function signInWithProvider(context: BrowserContext, login: string) {
    const page = await context.newPage();
    await page.goto(url("/login"));
    await page.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
    await logInAtProvider(page, login);
    return page;
  }

  async function me(context: BrowserContext) {
    const res = await context.request.get(url("/api/users/me"));
    return {
      status: res.status(),
      body: res.ok() ? ((await res.json()) as { id: string; email: string | null }) : null,
    };
  }

  async function register(name: string, email: string, password: string) {
    const res = await fetch(url("/api/users"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, email, password }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  }

  async function signInWithPassword(context: BrowserContext, email: string, password: string, to = "/dashboard") {
    const page = await context.newPage();
    await page.goto(url(`/login?callbackUrl=${encodeURIComponent(to)}`));
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url(to));
    return page;
  }

  /** How many accounts exist, as the demo administrator's user list says. */
  async function userCount(): Promise<number> {
    const context = await browser.newContext();
    await signInWithPassword(context, "demo@tradeboard.dev", "tradeboard-demo");
    const res = await context.request.get(url("/api/users?pageSize=1"));
    const total = ((await res.json()) as { total: number }).total;
    await context.close();
    return total;
  }

  const errorText = (page: Page) => page.getByTestId("auth-error").textContent();

  it("shows a button for the configured provider on /login", async () => {
    const page = await browser.newPage();
    await page.goto(url("/login"));
    await page.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).waitFor();
    await page.close();
  });

  it("opens a paper account on the first sign-in: provider login and consent, then the dashboard with the balance", async () => {
    const context = await browser.newContext();
    const page = await signInWithProvider(context, "ada");
    await page.waitForURL(url("/dashboard"));
    await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Ada");
    await page.getByTestId("balance-usd").waitFor();
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
    const first = await me(context);
    expect(first.body?.email).toBe("ada@idp.example");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(url("/"));
    expect((await me(context)).status).toBe(401);
    await context.close();

    // Signing in again (another browser, so the provider asks again): the same account.
    const later = await browser.newContext();
    const again = await signInWithProvider(later, "ada");
    await again.waitForURL(url("/dashboard"));
    expect((await me(later)).body?.id).toBe(first.body?.id);
    await later.close();
  });

  it("links to an existing account whose email the provider verified", async () => {
    const { id } = await register("Carol", "carol@idp.example", "carol's long password");
    const context = await browser.newContext();
    const page = await signInWithProvider(context, "carol");
    await page.waitForURL(url("/dashboard"));
    expect((await me(context)).body?.id).toBe(id);
    await context.close();
  });

  it("refuses an unverified email that matches an account, and says how to link it from Settings", async () => {
    await register("Bob", "unverified-bob@idp.example", "bob's long password");
    const before = await userCount();
    const context = await browser.newContext();
    const page = await signInWithProvider(context, "unverified-bob");
    await page.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(page)).resolves.toContain("Settings → Sign-in methods");
    expect((await me(context)).status).toBe(401);
    expect(await userCount()).toBe(before);
    await context.close();
  });

  it("explains a cancelled consent on /login", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url("/login"));
    await page.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
    await page.waitForURL((u) => u.toString().startsWith(idp.issuer));
    await page.getByRole("link", { name: "[ Cancel ]" }).click();
    await page.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(page)).resolves.toContain("cancelled");
    expect((await me(context)).status).toBe(401);
    await context.close();
  });

  it("links and unlinks the provider from Settings, but never the last way in", async () => {
    await register("Dan", "dan@example.com", "dan's long password");
    const context = await browser.newContext();
    const page = await signInWithPassword(context, "dan@example.com", "dan's long password", "/settings");
    const row = page.getByTestId("provider-oidc");
    await row.getByRole("button", { name: `Link ${PROVIDER_NAME}` }).click();
    await logInAtProvider(page, "dan-at-work");
    await page.waitForURL(url("/settings"));
    await row.getByTestId("linked-account").getByText("dan-at-work@idp.example").waitFor();
    // The provider now signs in to Dan's account.
    const other = await browser.newContext();
    const viaProvider = await signInWithProvider(other, "dan-at-work");
    await viaProvider.waitForURL(url("/dashboard"));
    expect((await me(other)).body?.email).toBe("dan@example.com");
    await other.close();

    await row.getByRole("button", { name: "Unlink" }).click();
    await row.getByText("Not linked.").waitFor();
    await context.close();

    // Ada's account has only the provider: it cannot be unlinked.
    const ada = await browser.newContext();
    const adaPage = await signInWithProvider(ada, "ada");
    await adaPage.waitForURL(url("/dashboard"));
    await adaPage.goto(url("/settings"));
    await adaPage.getByTestId("provider-oidc").getByRole("button", { name: "Unlink" }).click();
    await adaPage.getByText("the only way to sign in").waitFor();
    await ada.close();
  });

  it("refuses a linking attempt for a provider account that belongs to someone else", async () => {
    // The provider account "gus" opens an account of its own; Faye, a password account, then tries to link it.
    const owner = await browser.newContext();
    await (await signInWithProvider(owner, "gus")).waitForURL(url("/dashboard"));
    const gus = (await me(owner)).body?.id;
    await owner.close();
    await register("Faye", "faye@example.com", "faye's long password");
    const context = await browser.newContext();
    const page = await signInWithPassword(context, "faye@example.com", "faye's long password", "/settings");
    await page
      .getByTestId("provider-oidc")
      .getByRole("button", { name: `Link ${PROVIDER_NAME}` })
      .click();
    await logInAtProvider(page, "gus");
    await page.waitForURL((u) => u.pathname === "/settings");
    await page.getByText("already signs in to another Tradeboard account").waitFor();
    expect((await me(context)).body?.email).toBe("faye@example.com");
    await context.close();
    // Still gus's: signing in with the provider lands on gus's account, not Faye's.
    const again = await browser.newContext();
    await (await signInWithProvider(again, "gus")).waitForURL(url("/dashboard"));
    expect((await me(again)).body?.id).toBe(gus);
    await again.close();
  });

  it("refuses a replayed callback, a tampered state and a code issued to another client, creating nothing", async () => {
    // A genuine first sign-in, whose callback (code and state) is kept.
    const genuine = await browser.newContext();
    const page = await genuine.newPage();
    let callback = "";
    page.on("request", (request) => {
      if (request.url().startsWith(url("/api/auth/callback/oidc"))) callback ||= request.url();
    });
    await page.goto(url("/login"));
    await page.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
    await logInAtProvider(page, "erin");
    await page.waitForURL(url("/dashboard"));
    expect(callback).toContain("code=");
    await genuine.close();
    const before = await userCount();

    // Replayed in another browser: refused, nobody signed in.
    const thief = await browser.newContext();
    const replay = await thief.newPage();
    await replay.goto(callback);
    await replay.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(replay)).resolves.toContain("start again");
    expect((await me(thief)).status).toBe(401);
    await thief.close();

    // A state changed in the request to the provider (it comes back changed): refused.
    const tampered = await browser.newContext();
    const tamperedPage = await tampered.newPage();
    await tamperedPage.route(
      (u) => u.toString().startsWith(`${idp.issuer}/auth?`),
      (route) => {
        const target = new URL(route.request().url());
        target.searchParams.set("state", `${target.searchParams.get("state")}x`);
        return route.continue({ url: target.toString() });
      },
    );
    await tamperedPage.goto(url("/login"));
    await tamperedPage.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
    await logInAtProvider(tamperedPage, "mallory");
    await tamperedPage.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(tamperedPage)).resolves.toContain("start again");
    expect((await me(tampered)).status).toBe(401);
    await tampered.close();

    // A code the provider issued to another client, delivered with this browser's own state and PKCE.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    let authorize = "";
    otherPage.on("request", (request) => {
      if (request.url().startsWith(`${idp.issuer}/auth?`)) authorize ||= request.url();
    });
    await otherPage.goto(url("/login"));
    await otherPage.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
    await otherPage.waitForURL((u) => u.toString().startsWith(idp.issuer));
    const foreign = new URL(authorize);
    expect(foreign.searchParams.get("client_id")).toBe(OIDC_CLIENT.id);
    foreign.searchParams.set("client_id", OTHER_CLIENT.id);
    await otherPage.goto(foreign.toString());
    await logInAtProvider(otherPage, "mallory");
    await otherPage.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(otherPage)).resolves.toContain("start again");
    expect((await me(other)).status).toBe(401);
    await other.close();

    expect(await userCount()).toBe(before);
  });
});
