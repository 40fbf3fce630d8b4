import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { type RunningSystem, startSystem } from "./helpers/system.ts";

/**
 * What a person does in the browser: sign up, out, in (wrong then right), theme,
 * admin. Each test opens its own browser profile and makes the accounts it needs.
 */
describe("signing up and in, in Chromium", () => {
  let system: RunningSystem;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;

  beforeAll(async () => {
    [system, browser] = await Promise.all([
      // Every test here signs up from the same address (127.0.0.1).
      startSystem({ apiEnv: { LOGIN_MAX_FAILURES_PER_EMAIL_AND_IP: "3", REGISTRATIONS_PER_IP: "100" } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  const url = (path: string) => `${system.webUrl}${path}`;
  const password = "analytical engine 1843";
  const uniqueEmail = (name: string) => `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  // Next.js has its own (empty) role="alert" route announcer: look inside the form.
  const alertText = () => page.locator("form [role=alert]").textContent();

  async function freshPage(): Promise<Page> {
    context = await browser.newContext();
    page = await context.newPage();
    return page;
  }

  /** An account made through the api (as the sign-up form does), for tests about what comes after. */
  async function account(name: string): Promise<{ name: string; email: string }> {
    const email = uniqueEmail(name.split(" ")[0]?.toLowerCase() ?? "user");
    const response = await fetch(url("/api/users"), {
      method: "POST",
      headers: { "content-type": "application/json", origin: system.webUrl },
      body: JSON.stringify({ name, email, password }),
    });
    expect(response.status).toBe(201);
    return { name, email };
  }

  async function signIn(email: string, secret = password, landing = "/dashboard") {
    await page.goto(url("/login"));
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(secret);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url(landing));
  }

  it("offers sign-in and sign-up to a visitor", async () => {
    await freshPage();
    await page.goto(url("/"));
    await expect(page.getByRole("link", { name: "Sign in" }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole("link", { name: "Sign up" }).isVisible()).resolves.toBe(true);
  });

  it("shows inline errors for a bad sign-up", async () => {
    await freshPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("enter a valid email address").waitFor();
    await page.getByText("password must be at least 10 characters").waitFor();
    expect(new URL(page.url()).pathname).toBe("/register");
  });

  it("signs up and lands on the dashboard with name and balance", async () => {
    await freshPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(uniqueEmail("ada"));
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(url("/dashboard"));
    await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Ada Lovelace");
    await page.getByTestId("balance-usd").waitFor();
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
  });

  it("keeps the session across a reload", async () => {
    const { email } = await account("Bea Reloader");
    await freshPage();
    await signIn(email);
    await page.reload();
    await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Bea Reloader");
  });

  it("keeps the chosen theme across a reload, before the page paints", async () => {
    await freshPage();
    await page.goto(url("/"));
    await page.getByRole("button", { name: "Dark" }).click();
    await expect(page.evaluate(() => document.documentElement.classList.contains("dark"))).resolves.toBe(true);
    await page.reload({ waitUntil: "domcontentloaded" });
    // Read as soon as the document is parsed: the class is already there (no flash of light).
    await expect(page.evaluate(() => document.documentElement.className)).resolves.toContain("dark");
    await page.getByRole("button", { name: "Light" }).click();
    await page.reload({ waitUntil: "domcontentloaded" });
    await expect(page.evaluate(() => document.documentElement.className)).resolves.toContain("light");
  });

  it("signs out from the header, and the dashboard then asks to sign in", async () => {
    const { email } = await account("Cy Leaver");
    await freshPage();
    await signIn(email);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(url("/"));
    await page.getByRole("link", { name: "Sign up" }).waitFor();
    await page.goto(url("/dashboard"));
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  it("refuses a second account with the same email", async () => {
    const { email } = await account("Dee First");
    await freshPage();
    await page.goto(url("/register"));
    await page.getByLabel("Name").fill("Dee Again");
    await page.getByLabel("Email").fill(email.toUpperCase());
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("an account with this email already exists").waitFor();
  });

  it("says so on the form for a wrong password, then signs in with the right one", async () => {
    const { email } = await account("Eve Typo");
    await freshPage();
    await page.goto(url("/login"));
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.locator("form [role=alert]").waitFor();
    await expect(alertText()).resolves.toBe("Wrong email or password.");
    expect(new URL(page.url()).pathname).toBe("/login");

    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url("/dashboard"));
    await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Eve Typo");
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
  });

  it("tells a normal user that the user list is for administrators", async () => {
    const { email } = await account("Flo Plain");
    await freshPage();
    await signIn(email);
    await page.goto(url("/admin/users"));
    await page.getByText("You need administrator rights").waitFor();
  });

  it("throttles repeated wrong passwords with a clear message", async () => {
    await freshPage();
    await page.goto(url("/login"));
    const victim = uniqueEmail("nobody-here");
    for (let attempt = 1; attempt <= 4; attempt++) {
      await page.getByLabel("Email").fill(victim);
      await page.getByLabel("Password").fill(`wrong guess ${attempt}`);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.getByRole("button", { name: "Sign in", exact: true }).and(page.locator(":enabled")).waitFor();
    }
    await expect(alertText()).resolves.toContain("Too many failed sign-ins");
  });

  it("shows the demo administrator the paginated user list", async () => {
    const { email } = await account("Gil Listed");
    await freshPage();
    await page.goto(url("/login?callbackUrl=/admin/users"));
    await page.getByLabel("Email").fill("demo@tradeboard.dev");
    await page.getByLabel("Password").fill("tradeboard-demo");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(url("/admin/users"));
    await page.getByRole("cell", { name: email }).waitFor();
    await page.getByRole("cell", { name: "demo@tradeboard.dev" }).waitFor();
    await expect(page.getByText(/Page 1 of \d+/).textContent()).resolves.toContain("users");
  });

  it("shows a backend-unavailable notice instead of crashing when the api is down", async () => {
    await freshPage();
    await signIn("demo@tradeboard.dev", "tradeboard-demo");
    await system.stopApi();
    try {
      await page.goto(url("/dashboard"));
      await page.getByText("Backend unavailable").waitFor();
      await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Demo Trader");
    } finally {
      await system.startApi();
    }
  });
});
