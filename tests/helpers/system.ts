import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The browser's WebSocket URL is fixed when the web app is built, so the tests'
 * build (apps/web `build:e2e`, into .next-e2e) points at this api port
 * (`E2E_API_PORT`, 3201 unless set, read by the build script as well).
 */
export const E2E_API_PORT = Number(process.env.E2E_API_PORT ?? 3201);
const E2E_DIST_DIR = ".next-e2e";

export interface RunningSystem {
  webUrl: string;
  apiUrl: string;
  authSecret: string;
  /** Stops the api only (to see what users get when the backend is down). */
  stopApi(): Promise<void>;
  /** Starts it again on the same port and data. */
  startApi(): Promise<void>;
  /** Trades at `price` through the manual feed (a system started with MARKET_FEED=manual, NODE_ENV=test). */
  setPrice(symbol: string, price: string): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process exited (${child.exitCode}) before ${url} answered:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the real system as production runs it: the api (tsx) on an embedded
 * PGlite in a temporary folder, and the built web app (its server.ts, as
 * `npm start` runs it). Needs `npm run build` first.
 */
/** The system on the manual feed: prices move only when a test sets them. */
export function startManualSystem(
  options: { apiEnv?: Record<string, string>; webEnv?: Record<string, string>; webPort?: number } = {},
): Promise<RunningSystem> {
  return startSystem({ ...options, apiEnv: { NODE_ENV: "test", MARKET_FEED: "manual", ...options.apiEnv } });
}

export async function startSystem(
  options: { apiEnv?: Record<string, string>; webEnv?: Record<string, string>; webPort?: number } = {},
): Promise<RunningSystem> {
  if (!existsSync(join(repoRoot, "apps/web", E2E_DIST_DIR, "BUILD_ID"))) {
    throw new Error(
      "The web app is not built for the tests: run `npm run build:e2e -w @tradeboard/web` (npm run test:e2e does).",
    );
  }
  const webPort = options.webPort ?? (await freePort());
  const apiPort = E2E_API_PORT;
  const dataDir = mkdtempSync(join(tmpdir(), "tradeboard-e2e-"));
  const authSecret = randomBytes(32).toString("base64url");
  const webUrl = `http://localhost:${webPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let output = "";
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    AUTH_SECRET: authSecret,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  // The embedded default: these tests exercise what `npm run dev` runs, on a database of their own.
  delete common.DATABASE_URL;

  const spawnApi = () =>
    spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: join(repoRoot, "apps/api"),
      env: {
        ...common,
        API_PORT: String(apiPort),
        DATA_DIR: dataDir,
        WEB_ORIGIN: webUrl,
        SEED_DEMO: "true",
        MARKET_BACKFILL_DAYS: "2",
        LOG_LEVEL: "warn",
        ...options.apiEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
  let api = spawnApi();
  // As `npm start` runs it: the web app's server (server.ts: the /api forward, then Next).
  const web = spawn(process.execPath, ["--import", "tsx", "server.ts", "-p", String(webPort)], {
    cwd: join(repoRoot, "apps/web"),
    env: { ...common, API_URL: apiUrl, AUTH_URL: webUrl, NEXT_DIST_DIR: E2E_DIST_DIR, ...options.webEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const capture = (name: string, child: ChildProcess) => {
    child.stdout?.on("data", (chunk) => (output += `[${name}] ${chunk}`));
    child.stderr?.on("data", (chunk) => (output += `[${name}] ${chunk}`));
  };
  capture("api", api);
  capture("web", web);
  const logs = () => output;
  try {
    await Promise.all([waitFor(`${apiUrl}/api/health`, api, logs), waitFor(`${webUrl}/api/auth/csrf`, web, logs)]);
  } catch (error) {
    await Promise.all([stopProcess(api), stopProcess(web)]);
    throw error;
  }
  return {
    webUrl,
    apiUrl,
    authSecret,
    logs,
    stopApi: () => stopProcess(api),
    async setPrice(symbol, price) {
      const response = await fetch(`${apiUrl}/api/test/trades`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ symbol, price, quantity: "1" }),
      });
      if (response.status !== 204)
        throw new Error(`setting the price answered ${response.status}: ${await response.text()}`);
    },
    async startApi() {
      api = spawnApi();
      capture("api", api);
      await waitFor(`${apiUrl}/api/health`, api, logs);
    },
    async stop() {
      await Promise.all([stopProcess(api), stopProcess(web)]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
