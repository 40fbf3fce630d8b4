/**
 * What a measured stretch of work cost the machine's processors: the whole machine (every process,
 * the kernel's network and interrupt work included, read from /proc/stat) and the parts of it we can
 * name (the api process, the Postgres server's process tree). The rest is the load generator or
 * pgbench, and the kernel's work for them. On this machine nothing else runs during a bench but what
 * the bench starts, so "machine" is the work of the case measured.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { cpuSeconds, treeCpuSeconds } from "./processes.ts";

const TICKS_PER_SECOND = 100;

interface MachineTicks {
  busy: number;
  all: number;
}

/** /proc/stat's first line: user nice system idle iowait irq softirq steal (guest time is inside user). */
function machineTicks(): MachineTicks {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
  return { busy, all: busy + (idle ?? 0) + (iowait ?? 0) + (steal ?? 0) };
}

export interface CpuUse {
  /** CPU seconds the whole machine spent, and the share of all its processors that is. */
  machine: number;
  busyShare: number;
  /** CPU seconds of the api process and of the Postgres server, when they were given. */
  api: number | null;
  postgres: number | null;
}

/** Runs `work` and reads what it cost; `pids` names the api process and the postmaster, when they run here. */
export async function measureCpu<T>(
  pids: { api?: number; postmaster?: number | null },
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse }> {
  const read = () => ({
    machine: machineTicks(),
    api: pids.api ? cpuSeconds(pids.api) : null,
    postgres: pids.postmaster ? treeCpuSeconds(pids.postmaster) : null,
  });
  const before = read();
  const result = await work();
  const after = read();
  const busy = after.machine.busy - before.machine.busy;
  const all = after.machine.all - before.machine.all;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    result,
    cpu: {
      machine: busy / TICKS_PER_SECOND,
      busyShare: all > 0 ? busy / all : 0,
      api: diff(after.api, before.api),
      postgres: diff(after.postgres, before.postgres),
    },
  };
}

/** How many processors the machine has (the busy share is of all of them). */
export const processors = cpus().length;
