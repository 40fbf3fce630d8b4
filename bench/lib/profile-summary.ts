/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) by where the time goes: each sample is
 * charged to the nearest frame on its stack that belongs to a known part (a package or
 * a folder of ours), skipping Node's internals and V8 builtins not named in the list,
 * which work for their caller (a socket write for the database driver is database-driver time). Samples with
 * no such frame stay "node internals"; "(idle)" is the process waiting (for the
 * database, the network or the next request).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export type Categories = readonly (readonly [name: string, test: RegExp])[];

export function summarizeProfile(file: string, categories: Categories) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = categoryOf.get(id);
    if (known) return known;
    const node = byId.get(id);
    let result = "node internals";
    const name = node?.callFrame.functionName ?? "";
    if (name === "(idle)") result = "(idle)";
    else if (name === "(garbage collector)") result = "garbage collection";
    else if (name === "(program)") result = "(program: V8 and native)";
    else {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const url = byId.get(at)?.callFrame.url ?? "";
        if (!url) continue;
        const hit = categories.find(([, test]) => test.test(url));
        if (hit) {
          result = hit[0];
          break;
        }
        if (url.startsWith("node:")) continue;
        result = "other JavaScript";
        break;
      }
    }
    categoryOf.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const category = classify(id);
    totals.set(category, (totals.get(category) ?? 0) + dt);
  });
  const busy = all - (totals.get("(idle)") ?? 0);
  return {
    totalMs: all / 1000,
    busyMs: busy / 1000,
    rows: [...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({
        category,
        ms: us / 1000,
        share: us / all,
        shareOfBusy: category === "(idle)" ? 0 : us / busy,
      })),
  };
}

export function profileTable(summary: ReturnType<typeof summarizeProfile>, perRequestDivisor?: number): string {
  const lines = [
    `| where | ms | share of wall time | share of busy time${perRequestDivisor ? " | µs per request" : ""} |`,
    `| --- | ---: | ---: | ---:${perRequestDivisor ? " | ---:" : ""} |`,
  ];
  for (const r of summary.rows) {
    const perRequest = perRequestDivisor ? ` | ${((r.ms * 1000) / perRequestDivisor).toFixed(0)}` : "";
    lines.push(
      `| ${r.category} | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % | ${r.category === "(idle)" ? "—" : `${(r.shareOfBusy * 100).toFixed(1)} %`}${perRequest} |`,
    );
  }
  return lines.join("\n");
}
