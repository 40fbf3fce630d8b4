import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { launchChromium } from "./helpers/browser.ts";
import { startMailCatcher } from "./helpers/mail-catcher.ts";
import { type RunningSystem, startManualSystem } from "./helpers/system.ts";

/**
 * Emailed sign-in and password-reset links through a real SMTP server
 * (smtp-server, on loopback), and sessions that end: a copied cookie stops
 * working at the api and on the WebSocket the moment its session ends.
 */
describe("emailed links and sessions that end, in Chromium", () => {
  let system: RunningSystem;
  let mail: Awaited<ReturnType<typeof startMailCatcher>>;
  let browser: Browser;

  beforeAll(async () => {
    mail = await startMailCatcher();
    [system, browser] = await Promise.all([
      startManualSystem({ webEnv: { EMAIL_SERVER: mail.url, EMAIL_FROM: "Tradeboard <no-reply@tradeboard.test>" } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await mail?.stop();
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const errorText = (page: Page) => page.getByTestId("auth-error").textContent();

  /** Moves the api's clock of emailed links forward (test runs only), instead of waiting. */
  async function advanceLinkClock(seconds: number) {
    const res = await fetch(`${system.apiUrl}/api/test/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds }),
    });
    expect(res.status).toBe(204);
  }

  async function askForLink(page: Page, email: string) {
    const sent = mail.next(email);
    sent.catch(() => {}); // awaited below; a failure before that is the test's own
    await page.goto(url("/login"));
    await page.locator("#link-email").fill(email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await page.getByTestId("link-sent").waitFor();
    return (await sent).link;
  }

  async function me(context: BrowserContext) {
    const res = await context.request.get(url("/api/users/me"));
    return { status: res.status(), body: res.ok() ? ((await res.json()) as { id: string; email: string }) : null };
  }

  it("signs in from the link in the mail, opening an account with the starting balance; the link works once", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const link = await askForLink(page, "lin@example.com");
    expect(new URL(link).pathname).toBe("/api/auth/callback/email");
    await page.goto(link);
    await page.waitForURL(url("/dashboard"));
    await page.getByTestId("balance-usd").waitFor();
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
    expect((await me(context)).body?.email).toBe("lin@example.com");
    await context.close();

    const again = await browser.newContext();
    const second = await again.newPage();
    await second.goto(link);
    await second.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(second)).resolves.toContain("expired or was already used");
    expect((await me(again)).status).toBe(401);
    await again.close();
  });

  it("refuses a link that has expired", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const link = await askForLink(page, "late@example.com");
    await advanceLinkClock(11 * 60);
    await page.goto(link);
    await page.waitForURL((u) => u.pathname === "/login");
    await expect(errorText(page)).resolves.toContain("expired or was already used");
    expect((await me(context)).status).toBe(401);
    await context.close();
  });

  it("resets a password from the mailed link, once", async () => {
    const res = await fetch(url("/api/users"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Rae", email: "rae@example.com", password: "rae's first password" }),
    });
    expect(res.status).toBe(201);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url("/login"));
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(url("/reset-password"));
    const sent = mail.next("rae@example.com");
    sent.catch(() => {}); // awaited below
    await page.getByLabel("Email").fill("rae@example.com");
    await page.getByRole("button", { name: "Email me a reset link" }).click();
    await page.getByTestId("reset-sent").waitFor();
    const link = (await sent).link;
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill("rae's second password");
    await page.getByLabel("New password again").fill("rae's second password");
    await page.getByRole("button", { name: "Set the new password" }).click();
    await page.waitForURL((u) => u.pathname === "/login" && u.searchParams.get("reset") === "done");
    await page.getByLabel("Email", { exact: true }).fill("rae@example.com");
    await page.getByLabel("Password").fill("rae's second password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url("/dashboard"));

    // The same link again: refused.
    const again = await context.newPage();
    await again.goto(link);
    await again.getByLabel("New password", { exact: true }).fill("rae's third password");
    await again.getByLabel("New password again").fill("rae's third password");
    await again.getByRole("button", { name: "Set the new password" }).click();
    await again.getByText("expired or was already used").waitFor();
    await context.close();
  });

  /** What a copied cookie can still do: the api's /users/me and POST /api/trades, and the user channel. */
  async function probe(cookie: string) {
    const headers = { cookie, origin: system.webUrl };
    const meStatus = (await fetch(url("/api/users/me"), { headers })).status;
    const trade = await fetch(url("/api/trades"), {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ symbol: "BTC-USD", side: "buy", type: "limit", quantity: "0.001", limitPrice: "1.00" }),
    });
    const tokenStatus = (await fetch(url("/api/realtime/token"), { headers })).status;
    return { me: meStatus, trade: trade.status, token: tokenStatus };
  }

  /** A socket on the user channel with a token the cookie obtained. */
  async function userChannel(cookie: string) {
    const res = await fetch(url("/api/realtime/token"), { headers: { cookie } });
    const { token } = (await res.json()) as { token: string };
    const wsUrl = `${system.apiUrl.replace("http", "ws")}/ws?token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(wsUrl, { headers: { origin: system.webUrl } });
    const messages: { type: string; channel?: string }[] = [];
    socket.on("message", (raw) => messages.push(JSON.parse(raw.toString())));
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    socket.send(JSON.stringify({ type: "subscribe", channels: ["user"] }));
    await expect.poll(() => messages.some((m) => m.type === "subscribed" && m.channel === "user")).toBe(true);
    return { closed };
  }

  async function signInWithPassword(context: BrowserContext, email: string, password: string) {
    const page = await context.newPage();
    await page.goto(url("/login"));
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url("/dashboard"));
    const cookies = await context.cookies(system.webUrl);
    return { page, cookie: cookies.map((c) => `${c.name}=${c.value}`).join("; ") };
  }

  it("signing out ends the session: a copy of the cookie gets 401 and its user channel closes", async () => {
    const context = await browser.newContext();
    const { page, cookie } = await signInWithPassword(context, "demo@tradeboard.dev", "tradeboard-demo");
    expect((await probe(cookie)).me).toBe(200);
    const { closed } = await userChannel(cookie);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(url("/"));
    expect(await probe(cookie)).toEqual({ me: 401, trade: 401, token: 401 });
    expect(await closed).toBe(4001);
    await context.close();
  });

  it("“End all other sessions” signs the other browser out at the api and on the WebSocket", async () => {
    const mine = await browser.newContext();
    const theirs = await browser.newContext();
    const { page } = await signInWithPassword(mine, "demo@tradeboard.dev", "tradeboard-demo");
    const other = await signInWithPassword(theirs, "demo@tradeboard.dev", "tradeboard-demo");
    const { closed } = await userChannel(other.cookie);
    await page.goto(url("/settings"));
    await expect.poll(() => page.getByTestId("session").count()).toBe(2);
    await page.getByText("this browser").waitFor();
    await page.getByRole("button", { name: "End all other sessions" }).click();
    await page.getByText("1 other session was signed out.").waitFor();
    await expect.poll(() => page.getByTestId("session").count()).toBe(1);
    expect(await probe(other.cookie)).toEqual({ me: 401, trade: 401, token: 401 });
    expect(await closed).toBe(4001);
    // The other browser's pages now ask it to sign in.
    await other.page.goto(url("/dashboard"));
    await other.page.waitForURL((u) => u.pathname === "/login");
    // This one is still signed in.
    expect((await me(mine)).status).toBe(200);
    await mine.close();
    await theirs.close();
  });
});
