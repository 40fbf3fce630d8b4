/**
 * What the /api split costs. Baseline: a request straight to the api. Measured in
 * the same run: the same request through the web app's forward, and an
 * authenticated request (session cookie decrypted, user read from the database).
 * Needs the tests' build: `npm run build:e2e -w @tradeboard/web`.
 */
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { startSystem } from "../tests/helpers/system.ts";

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 20;

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
}

async function measure(url: string, headers: Record<string, string> = {}): Promise<Figures> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_SECONDS });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

async function signIn(webUrl: string): Promise<string> {
  const csrf = await fetch(`${webUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const response = await fetch(`${webUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ email: "demo@tradeboard.dev", password: "tradeboard-demo", csrfToken }),
  });
  const session = response.headers.getSetCookie().find((c) => c.startsWith("authjs.session-token="));
  if (!session) throw new Error("sign-in failed");
  return session.split(";")[0] ?? "";
}

const system = await startSystem({ apiEnv: { LOG_LEVEL: "silent" } });
try {
  const cookie = await signIn(system.webUrl);
  // Warm up both paths so JIT and connection pools are not what is measured.
  await measure(`${system.apiUrl}/api/health`);
  const direct = await measure(`${system.apiUrl}/api/health`);
  const forwarded = await measure(`${system.webUrl}/api/health`);
  const authenticated = await measure(`${system.apiUrl}/api/users/me`, { cookie });

  const rows = [
    ["api direct GET /api/health (baseline)", direct],
    ["through web forward GET /api/health", forwarded],
    ["api direct GET /api/users/me (session + db)", authenticated],
  ] as const;
  const lines = [
    `| path | req/s | ratio to baseline | p50 ms | p99 ms | non-2xx |`,
    `| --- | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map(
      ([name, f]) =>
        `| ${name} | ${f.requestsPerSecond} | ${(f.requestsPerSecond / direct.requestsPerSecond).toFixed(2)} | ${f.p50Ms} | ${f.p99Ms} | ${f.non2xx} |`,
    ),
  ];
  const report = `# forward.bench (${new Date().toISOString()}, ${CONNECTIONS} connections, ${DURATION_SECONDS} s each)\n\n${lines.join("\n")}\n`;
  console.log(report);
  writeFileSync(new URL("./results/forward.md", import.meta.url), report);
} finally {
  await system.stop();
}
