/**
 * The processes a load bench runs, each on its own: the api as production starts it
 * (`node --import tsx src/main.ts`, NODE_ENV=production, the default log level with its
 * lines going to a file), the web app (`next start`), and plain helpers to wait for them.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

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

export interface Running {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function waitFor(url: string, child: ChildProcess, logFile: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process exited (${child.exitCode}) before ${url} answered; see ${logFile}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; see ${logFile}`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

function launch(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }) {
  const log = createWriteStream(options.logFile, { flags: "a" });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/**
 * The api in production mode on its own port. `database` is a Postgres URL or a
 * PGlite folder. `nodeArgs` go before the script (e.g. `--cpu-prof`).
 */
export async function startApi(options: {
  port: number;
  authSecret: string;
  database: { url: string } | { dataDir: string };
  logFile: string;
  webOrigin?: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
}): Promise<Running> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    AUTH_SECRET: options.authSecret,
    API_PORT: String(options.port),
    WEB_ORIGIN: options.webOrigin ?? "http://localhost:3000",
    SEED_DEMO: "false",
    MARKET_BACKFILL_DAYS: "1",
    ...options.env,
  };
  delete env.DATABASE_URL;
  delete env.DATA_DIR;
  delete env.LOG_LEVEL;
  if ("url" in options.database) env.DATABASE_URL = options.database.url;
  else env.DATA_DIR = options.database.dataDir;
  const child = launch(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "src/main.ts"], {
    cwd: join(repoRoot, "apps/api"),
    env,
    logFile: options.logFile,
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitFor(`${url}/api/health`, child, options.logFile);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop: () => stopProcess(child) };
}

/**
 * The web app on a finished build (distDir relative to apps/web): as `npm start` runs it
 * (server.ts), or with `next start` (every /api call through Next's route handler).
 */
export async function startWeb(options: {
  port: number;
  apiUrl: string;
  authSecret: string;
  distDir: string;
  logFile: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  server?: "server.ts" | "next start";
}): Promise<Running> {
  const url = `http://localhost:${options.port}`;
  const script =
    options.server === "next start"
      ? [join(repoRoot, "node_modules/next/dist/bin/next"), "start"]
      : ["--import", "tsx", "server.ts"];
  const child = launch(process.execPath, [...(options.nodeArgs ?? []), ...script, "-p", String(options.port)], {
    cwd: join(repoRoot, "apps/web"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: options.authSecret,
      AUTH_URL: url,
      API_URL: options.apiUrl,
      NEXT_DIST_DIR: options.distDir,
      ...options.env,
    },
    logFile: options.logFile,
  });
  try {
    await waitFor(`${url}/api/auth/csrf`, child, options.logFile);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop: () => stopProcess(child) };
}

/** /proc/PID/stat's fields after the command name (field 3, the state, is [0]). */
function statFields(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? null;
  } catch {
    return null; // gone
  }
}

/** The pid of a process's parent; null when the process is gone. */
export function parentPid(pid: number): number | null {
  const ppid = Number(statFields(pid)?.[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** CPU seconds a process has used (user and system), with those of its children it has reaped when asked. */
export function cpuSeconds(pid: number, options: { reapedChildren?: boolean } = {}): number {
  const fields = statFields(pid) ?? [];
  // utime, stime, cutime, cstime: fields 14 to 17 of the whole line (11 to 14 here).
  const ticks = fields.slice(11, options.reapedChildren ? 15 : 13).reduce((sum, f) => sum + Number(f), 0);
  return ticks / 100;
}

/**
 * CPU seconds a process tree has used so far: the process, the children it has reaped, and the
 * children alive now (a Postgres server: the postmaster, its ended backends, its running ones).
 */
export function treeCpuSeconds(pid: number): number {
  let seconds = cpuSeconds(pid, { reapedChildren: true });
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields?.[1] === String(pid)) seconds += cpuSeconds(Number(entry));
  }
  return seconds;
}
