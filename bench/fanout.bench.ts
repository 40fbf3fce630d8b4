/**
 * Fan-out: N WebSocket clients (default 2,000) subscribed to every ticker.
 * Baseline, measured in the same run: a bare `ws` server broadcasting the same
 * messages. For each: delivered messages per second at a saturating tick rate,
 * tick-to-client delay p50/p99 and event-loop lag at half that rate, and memory
 * per idle connection (authenticated, for Tradeboard).
 */
import { type ChildProcess, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
/** Ticks per second per market while saturating (5 markets × 40 × 2,000 clients = 400,000 messages/s asked for). */
const SATURATING_RATE = Number(process.env.BENCH_RATE ?? 40);

interface Child {
  process: ChildProcess;
  ask<T>(message?: object): Promise<T>;
}

function start(script: string, args: string[], execArgv: string[] = []): Child {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const queue: ((value: unknown) => void)[] = [];
  child.on("message", (message) => queue.shift()?.(message));
  return {
    process: child,
    ask<T>(message?: object) {
      const answer = new Promise<T>((resolve) => queue.push(resolve as (value: unknown) => void));
      if (message) child.send(message);
      return answer;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Memory {
  heapUsed: number;
  external: number;
  rss: number;
  connections: number;
}

async function measure(kind: "bare" | "tradeboard") {
  const server = start("./fanout-server.ts", [kind], ["--expose-gc"]);
  const { port, token, symbols } = await server.ask<{ port: number; token?: string; symbols: string[] }>();
  const url = `ws://127.0.0.1:${port}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
  const channels = symbols.map((s) => `ticker:${s}`).join(",");

  // Memory per idle connection: the server's heap before and after N connect (after a
  // first round of connections, so lazily created code and pools are not counted).
  const warm = start("./fanout-clients.ts", [url, "100", ""]);
  await warm.ask();
  warm.process.send({ cmd: "exit" });
  await sleep(1500);
  const before = await server.ask<Memory>({ cmd: "memory" });
  const idle = start("./fanout-clients.ts", [url, String(CLIENTS), ""]);
  await idle.ask();
  await sleep(1000);
  const after = await server.ask<Memory>({ cmd: "memory" });
  idle.process.send({ cmd: "exit" });
  await sleep(1500);
  const bytesPerConnection = (after.heapUsed - before.heapUsed) / Math.max(1, after.connections);
  const rssPerConnection = (after.rss - before.rss) / Math.max(1, after.connections);

  const clients = start("./fanout-clients.ts", [url, String(CLIENTS), channels]);
  await clients.ask();
  const phase = async (rate: number) => {
    await server.ask({ cmd: "rate", perSecond: rate });
    await sleep(1000);
    await clients.ask({ cmd: "reset" });
    await server.ask({ cmd: "rate", perSecond: rate }); // restarts the lag histogram
    await sleep(SECONDS * 1000);
    const stats = await clients.ask<{ received: number; p50: number; p99: number }>({ cmd: "stats" });
    const lag = await server.ask<{ p50: number; p99: number; max: number }>({ cmd: "lag" });
    return { deliveredPerSecond: Math.round(stats.received / SECONDS), delayP50: stats.p50, delayP99: stats.p99, lag };
  };
  const saturated = await phase(SATURATING_RATE);
  const halfRate = saturated.deliveredPerSecond / CLIENTS / symbols.length / 2;
  await server.ask({ cmd: "rate", perSecond: 0 });
  await sleep(2000);
  const half = await phase(halfRate);
  clients.process.send({ cmd: "exit" });
  server.process.send({ cmd: "exit" });
  await sleep(500);
  return { kind, bytesPerConnection, rssPerConnection, saturated, halfRate, half };
}

const bare = await measure("bare");
const ours = await measure("tradeboard");
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const ratio = (a: number, b: number) => (b === 0 ? "n/a" : (a / b).toFixed(2));
const row = (name: string, r: typeof bare) =>
  `| ${name} | ${r.saturated.deliveredPerSecond} | ${r.halfRate.toFixed(1)} | ${r.half.delayP50} | ${r.half.delayP99} | ${r.half.lag.p99.toFixed(1)} | ${kb(r.bytesPerConnection)} | ${kb(r.rssPerConnection)} |`;
const report = `# fanout.bench — ${new Date().toISOString()}

${CLIENTS} clients subscribed to ${5} tickers; saturating rate ${SATURATING_RATE} ticks/s per market; phases of ${SECONDS} s.
Delay and event-loop lag are measured at half the saturating (delivered) rate; memory with idle connections
(Tradeboard's authenticated with a realtime token).

| server | delivered msg/s (saturated) | half rate, ticks/s/market | delay p50 ms | delay p99 ms | event-loop lag p99 ms | JS heap per idle conn KB | RSS per idle conn KB |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${row("bare ws (baseline)", bare)}
${row("Tradeboard hub", ours)}

- delivered rate, Tradeboard / bare: **${ratio(ours.saturated.deliveredPerSecond, bare.saturated.deliveredPerSecond)}** (target ≥ 0.70)
- event-loop lag p99 at half rate: **${ours.half.lag.p99.toFixed(1)} ms** (target ≤ 20 ms)
- memory per idle connection, Tradeboard / bare: **${ratio(ours.bytesPerConnection, bare.bytesPerConnection)}** JS heap, ${ratio(ours.rssPerConnection, bare.rssPerConnection)} RSS (target ≤ 1.5 and < 30 KB)
`;
console.log(report);
writeFileSync(new URL("./results/fanout.md", import.meta.url), report);
