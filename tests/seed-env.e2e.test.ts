import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./helpers/browser.ts";
import { E2E_API_PORT, freePort } from "./helpers/system.ts";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

/** Variables a test run may have that would stand in for the seed's settings. */
const NEWER_NAMES = ["AUTH_SECRET", "AUTH_URL", "AUTH_TRUST_HOST", "API_URL", "WEB_ORIGIN", "API_PORT", "WEB_PORT"];

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer:\n${output()}`);
}

/**
 * A project set up as the seed describes: a root `.env.local` with NEXTAUTH_URL,
 * NEXTAUTH_SECRET, NEXT_PUBLIC_API_URL and NEXT_PUBLIC_WS_URL, and `npm start`
 * (scripts/start.mjs) with nothing else: both apps read it, and a person signs up and in.
 */
describe("npm start with only the seed's .env.local", () => {
  let child: ChildProcess;
  let browser: Browser;
  let dir: string;
  let webUrl: string;
  let output = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tradeboard-seed-"));
    const webPort = await freePort();
    webUrl = `http://localhost:${webPort}`;
    writeFileSync(
      join(dir, ".env.local"),
      [
        `NEXTAUTH_URL=${webUrl}`,
        `NEXTAUTH_SECRET=${randomBytes(32).toString("base64url")}`,
        `NEXT_PUBLIC_API_URL=http://127.0.0.1:${E2E_API_PORT}`,
        `NEXT_PUBLIC_WS_URL=ws://localhost:${E2E_API_PORT}/ws`,
        "",
      ].join("\n"),
    );
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of [...NEWER_NAMES, "DATABASE_URL", "NODE_ENV"]) delete env[name];
    child = spawn(process.execPath, ["scripts/start.mjs"], {
      cwd: repoRoot,
      env: {
        ...env,
        // Where the seed's .env.local is (the repository root's own is left alone), the tests' build,
        // and a database of its own: the app's settings all come from the file.
        TRADEBOARD_ENV_DIR: dir,
        NEXT_DIST_DIR: ".next-e2e",
        DATA_DIR: join(dir, "data"),
        MARKET_BACKFILL_DAYS: "1",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    browser = await launchChromium();
    await waitUntilUp(`http://127.0.0.1:${E2E_API_PORT}/api/health`, child, () => output);
    await waitUntilUp(`${webUrl}/api/auth/csrf`, child, () => output);
  });
  afterAll(async () => {
    await browser?.close();
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the settings in both apps: a person signs up, out and in again", async () => {
    expect(output).toContain(".env.local");
    const page = await browser.newPage();
    await page.goto(`${webUrl}/register`);
    await page.getByLabel("Name").fill("Seed Sam");
    await page.getByLabel("Email").fill("sam@seed.example");
    await page.getByLabel("Password").fill("seed sam's password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${webUrl}/dashboard`);
    await page.getByTestId("balance-usd").waitFor();
    await expect(page.getByTestId("balance-usd").textContent()).resolves.toBe("$100,000.00");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${webUrl}/`);
    await page.goto(`${webUrl}/login`);
    await page.getByLabel("Email", { exact: true }).fill("sam@seed.example");
    await page.getByLabel("Password").fill("seed sam's password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${webUrl}/dashboard`);
    await expect(page.getByTestId("greeting").textContent()).resolves.toContain("Seed Sam");
  });
});
