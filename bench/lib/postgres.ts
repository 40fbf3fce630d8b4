/** Databases made for one bench run, and pgbench against them. */
import { spawn } from "node:child_process";
import postgres from "postgres";
import { parentPid } from "./processes.ts";

export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a new database beside `baseUrl`'s; `drop()` removes it (open connections are ended). */
export async function createDatabase(baseUrl: string, name: string) {
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  return {
    url: databaseUrl(baseUrl, name),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function pgConnectionArgs(url: string): string[] {
  const u = new URL(url);
  return [
    "-h",
    u.hostname,
    "-p",
    u.port || "5432",
    "-U",
    decodeURIComponent(u.username || "postgres"),
    decodeURIComponent(u.pathname.slice(1)),
  ];
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${out}`)),
    );
  });
}

export function passwordEnv(url: string): NodeJS.ProcessEnv {
  const password = new URL(url).password;
  return password ? { PGPASSWORD: decodeURIComponent(password) } : {};
}

/** `pgbench -i -s scale -q` (TPC-B-like tables). */
export async function pgbenchInit(url: string, scale: number): Promise<void> {
  await run("pgbench", ["-i", "-s", String(scale), "-q", ...pgConnectionArgs(url)], passwordEnv(url));
}

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
  failed: number;
}

/**
 * `pgbench -M prepared -c clients -j 2 -T seconds`, the built-in TPC-B-like script
 * or a file (`-n`: no vacuum of the TPC-B tables first, which a custom script lacks).
 */
export async function pgbench(
  url: string,
  options: { clients: number; seconds: number; script?: string; defines?: Record<string, string> },
): Promise<PgbenchResult> {
  const args = ["-M", "prepared", "-c", String(options.clients), "-j", "2", "-T", String(options.seconds)];
  if (options.script) args.push("-n", "-f", options.script);
  for (const [name, value] of Object.entries(options.defines ?? {})) args.push("-D", `${name}=${value}`);
  const out = await run("pgbench", [...args, ...pgConnectionArgs(url)], passwordEnv(url));
  const tps = /tps = ([\d.]+)/.exec(out);
  const latency = /latency average = ([\d.]+) ms/.exec(out);
  const failed = /number of failed transactions: (\d+)/.exec(out);
  if (!tps) throw new Error(`no tps in pgbench output:\n${out}`);
  return { tps: Number(tps[1]), latencyMs: Number(latency?.[1] ?? Number.NaN), failed: Number(failed?.[1] ?? 0) };
}

/**
 * The pid of the Postgres server behind `url` when it runs on this machine (the parent of a
 * backend this opens), so that its CPU can be read from /proc; null when it runs elsewhere.
 */
export async function localPostmasterPid(url: string): Promise<number | null> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const ppid = row ? parentPid(row.pid) : null;
    return ppid !== null && ppid > 1 ? ppid : null;
  } finally {
    await sql.end();
  }
}
