// Venue adapters: parse → hub publish per message, at 5,000 messages a second per venue, against
// JSON.parse of the same message text alone, measured on the same messages in the same run.
// The venue (bench/feeds-replay.ts) runs in its own process. Several runs per venue; medians.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tickerChannel } from "@tradeboard/contracts";
import WebSocket from "ws";
import { BinanceFeed } from "../apps/api/src/market/binance.ts";
import { CoinbaseFeed } from "../apps/api/src/market/coinbase.ts";
import { KrakenFeed } from "../apps/api/src/market/kraken.ts";
import type { LiveFeed, LiveFeedOptions } from "../apps/api/src/market/live-feed.ts";
import { RealtimeHub } from "../apps/api/src/realtime/hub.ts";

const here = dirname(fileURLToPath(import.meta.url));
const RATE = 5_000;
const SECONDS = 4;
const RUNS = Number(process.env.FEEDS_BENCH_RUNS ?? 3);
const VENUES = { coinbase: CoinbaseFeed, binance: BinanceFeed, kraken: KrakenFeed } as const;

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function run(venue: keyof typeof VENUES) {
  const generator = spawn(
    process.execPath,
    ["--import", "tsx", join(here, "feeds-replay.ts"), venue, String(RATE), String(SECONDS)],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: generator.stdout });
  const first = await new Promise<string>((resolve) => lines.once("line", resolve));
  const { wsUrl, restUrl, messages } = JSON.parse(first) as { wsUrl: string; restUrl: string; messages: number };

  // The hub with one real subscriber to the ticker channel, as the api runs it.
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const hub = new RealtimeHub({
    allowedOrigins: ["http://localhost:3000"],
    verifyToken: () => null,
    isKnownChannel: () => true,
    snapshot: () => undefined,
  });
  hub.attach(http);
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`, {
    headers: { origin: "http://localhost:3000" },
  });
  await new Promise((resolve) => client.once("open", resolve));
  client.send(JSON.stringify({ type: "subscribe", channels: [tickerChannel("BTC-USD")] }));
  let received = 0;
  client.on("message", () => received++);

  const options: LiveFeedOptions = {
    markets: [{ symbol: "BTC-USD", base: "BTC", quote: venue === "binance" ? "USDT" : "USD" }],
    wsUrl,
    restUrl,
    staleMs: 10_000,
    restIntervalMs: 0,
    checkIntervalMs: 0,
  };
  const feed: LiveFeed = new VENUES[venue](options);
  const adapter = feed as unknown as { handle(text: string): void };
  const handle = adapter.handle.bind(feed);
  const measured = new Float64Array(messages);
  const baseline = new Float64Array(messages);
  let count = 0;
  let sink = 0;
  adapter.handle = (text: string) => {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (count % 2 === 0) {
      const t0 = performance.now();
      sink += (JSON.parse(text) as object) ? 1 : 0;
      const t1 = performance.now();
      handle(text);
      const t2 = performance.now();
      baseline[count] = t1 - t0;
      measured[count] = t2 - t1;
    } else {
      const t0 = performance.now();
      handle(text);
      const t1 = performance.now();
      sink += (JSON.parse(text) as object) ? 1 : 0;
      const t2 = performance.now();
      measured[count] = t1 - t0;
      baseline[count] = t2 - t1;
    }
    count++;
  };
  let published = 0;
  feed.start((tick) => {
    published++;
    hub.publish(tickerChannel(tick.symbol), "ticker", tick);
  }, new Map());
  const done = new Promise<void>((resolve) => lines.on("line", (line) => line.startsWith("sent") && resolve()));
  await done;
  const deadline = Date.now() + 10_000;
  while (count < messages && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  feed.stop();
  client.close();
  await hub.close();
  http.close();
  generator.stdin.end();
  // Drop the first second: JIT warm-up.
  const skip = Math.min(RATE, Math.floor(count / 4));
  const m = measured.slice(skip, count).sort();
  const b = baseline.slice(skip, count).sort();
  return {
    count,
    messages,
    published,
    received,
    sink,
    p50: quantile(m, 0.5) * 1000,
    p99: quantile(m, 0.99) * 1000,
    baseP50: quantile(b, 0.5) * 1000,
    baseP99: quantile(b, 0.99) * 1000,
  };
}

console.log(
  `${RATE} messages/s for ${SECONDS} s per run, ${RUNS} runs per venue; µs per message (first second dropped)\n`,
);
console.log("| venue | run | messages | adapter p50 | adapter p99 | JSON.parse p50 | JSON.parse p99 | p99 ratio |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
const summary: string[] = [];
for (const venue of Object.keys(VENUES) as (keyof typeof VENUES)[]) {
  const ratios: number[] = [];
  const p99s: number[] = [];
  const base99s: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await run(venue);
    const ratio = r.p99 / r.baseP99;
    ratios.push(ratio);
    p99s.push(r.p99);
    base99s.push(r.baseP99);
    console.log(
      `| ${venue} | ${i} | ${r.count}/${r.messages} (${r.published} trades published) | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.baseP50.toFixed(1)} | ${r.baseP99.toFixed(1)} | ${ratio.toFixed(2)}× |`,
    );
  }
  summary.push(
    `| ${venue} | ${median(p99s).toFixed(1)} µs | ${median(base99s).toFixed(1)} µs | ${median(ratios).toFixed(2)}× |`,
  );
}
console.log(
  "\nMedians of the runs:\n\n| venue | adapter p99 | JSON.parse p99 | ratio (target ≤ 3×) |\n| --- | --- | --- | --- |",
);
for (const line of summary) console.log(line);
