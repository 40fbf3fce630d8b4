// Screenshots of home, dashboard, login: both themes, desktop and phone. Usage: tsx shots.ts <distDir> <outDir>
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { freePort, startApi, startWeb } from "./lib/processes.ts";

const [distDir, out] = process.argv.slice(2) as [string, string];
mkdirSync(out, { recursive: true });
const secret = "shots-secret-0123456789abcdefghijklmnopqrstuv";
const dataDir = mkdtempSync(join(tmpdir(), "shots-"));
const webPort = await freePort();
const api = await startApi({ port: 3271, authSecret: secret, database: { dataDir }, logFile: `${out}/api.log`, webOrigin: `http://localhost:${webPort}`, env: { SEED_DEMO: "true", MARKET_SEED: "shots" } });
const web = await startWeb({ port: webPort, apiUrl: api.url, authSecret: secret, distDir, logFile: `${out}/web.log` });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
try {
  for (const theme of ["light", "dark"]) {
    for (const [name, width, height] of [["desktop", 1280, 900], ["phone", 390, 844]] as const) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme: theme as "light" | "dark" });
      await context.addInitScript((t) => localStorage.setItem("theme", t), theme);
      const page = await context.newPage();
      await page.goto(`${web.url}/`);
      await page.waitForSelector('[data-testid^="price-"]', { timeout: 30000 }).catch(() => {});
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${out}/home-${theme}-${name}.png`, fullPage: true });
      await page.goto(`${web.url}/login`);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${out}/login-${theme}-${name}.png`, fullPage: true });
      await page.fill("#email", "demo@tradeboard.dev");
      await page.fill("#password", "tradeboard-demo");
      await page.click('button[type="submit"]');
      await page.waitForURL("**/dashboard**", { timeout: 30000 });
      await page.waitForSelector('[data-testid^="price-"]', { timeout: 30000 }).catch(() => {});
      await page.waitForTimeout(3000);
      await page.screenshot({ path: `${out}/dashboard-${theme}-${name}.png`, fullPage: true });
      await context.close();
    }
  }
} finally {
  await browser.close();
  await web.stop();
  await api.stop();
}
