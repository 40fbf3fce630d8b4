/** Runs the load generator in its own process, and the arithmetic of medians. */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const loadgen = fileURLToPath(new URL("./loadgen.mjs", import.meta.url));
const planDir = mkdtempSync(join(tmpdir(), "tradeboard-bench-plan-"));
let plans = 0;

export interface LoadPlan {
  url: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  connections: number;
  seconds: number;
  overallRate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, { count: number }>;
}

export function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const file = join(planDir, `plan-${++plans}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadgen, file], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "") as LoadResult);
      } catch (error) {
        reject(new Error(`load generator printed no figures: ${out}${err} (${error})`));
      }
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** "1234 (1100–1300)": the median and the range of the runs. */
export function spread(values: readonly number[], digits = 0): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return "—";
  const f = (v: number) => v.toFixed(digits);
  if (finite.length === 1) return f(finite[0] as number);
  return `${f(median(finite))} (${f(Math.min(...finite))}–${f(Math.max(...finite))})`;
}

/** The machine's 1-minute load average (the bench shares two cores with whatever else runs). */
export function loadAverage(): string {
  return loadavg()[0]?.toFixed(1) ?? "?";
}
