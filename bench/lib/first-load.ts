/**
 * First-load JavaScript per route of a finished `next build`, read from Next 16's
 * `diagnostics/route-bundle-stats.json` (the chunks a route's HTML loads), gzipped one by
 * one as a server would send them. Also builds the empty App Router app it is compared
 * with: just app/layout and app/page, in a temporary folder, with the repository's own
 * next, react and react-dom (its node_modules linked in).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { repoRoot } from "./processes.ts";

export interface RouteSize {
  route: string;
  raw: number;
  gzip: number;
  chunks: string[];
}

export function firstLoad(appDir: string, distDir: string): RouteSize[] {
  const stats = JSON.parse(readFileSync(join(appDir, distDir, "diagnostics/route-bundle-stats.json"), "utf8")) as {
    route: string;
    firstLoadChunkPaths: string[];
  }[];
  return stats
    .map(({ route, firstLoadChunkPaths }) => {
      let raw = 0;
      let gzip = 0;
      for (const path of firstLoadChunkPaths) {
        const body = readFileSync(join(appDir, path));
        raw += body.length;
        gzip += gzipSync(body).length;
      }
      return { route, raw, gzip, chunks: firstLoadChunkPaths };
    })
    .sort((a, b) => a.route.localeCompare(b.route));
}

export function nextBuild(cwd: string, env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, "node_modules/next/dist/bin/next"), "build"], {
      cwd,
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("exit", (code) => {
      writeFileSync(logFile, out);
      code === 0 ? resolve() : reject(new Error(`next build in ${cwd} exited ${code}; see ${logFile}`));
    });
  });
}

/** Builds the empty app; returns its first-load size (the `/` route) and removes the folder. */
export async function emptyAppFirstLoad(logFile: string): Promise<RouteSize> {
  // Inside the repository so that Next finds the same workspace root and packages.
  const parent = join(repoRoot, "bench/.tmp");
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, "empty-app-"));
  try {
    mkdirSync(join(dir, "app"));
    writeFileSync(
      join(dir, "app/layout.jsx"),
      'export default function RootLayout({ children }) {\n  return (\n    <html lang="en">\n      <body>{children}</body>\n    </html>\n  );\n}\n',
    );
    writeFileSync(join(dir, "app/page.jsx"), "export default function Page() {\n  return <p>Empty</p>;\n}\n");
    writeFileSync(join(dir, "package.json"), '{ "name": "empty-app", "private": true, "type": "module" }\n');
    writeFileSync(join(dir, "next.config.mjs"), "export default {};\n");
    symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
    await nextBuild(dir, {}, logFile);
    const home = firstLoad(dir, ".next").find((r) => r.route === "/");
    if (!home) throw new Error("the empty app has no / route");
    return home;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
