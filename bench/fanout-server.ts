/**
 * One side of the fan-out benchmark, in a process of its own so its event loop
 * and memory are measured alone. `tradeboard`: the real api (market service,
 * hub) on an in-memory PGlite, ticks pushed through the manual feed. `bare`: a
 * plain `ws` server broadcasting the same ticker messages, serialized once.
 * Commands and results travel over IPC.
 */
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { DEFAULT_MARKETS, RandomWalk } from "@tradeboard/core";
import { openDatabase } from "@tradeboard/db";
import { WebSocketServer } from "ws";
import { RealtimeTokens } from "../apps/api/src/auth/realtime-token.ts";
import { ManualFeed } from "../apps/api/src/market/feed.ts";
import { buildServer } from "../apps/api/src/server.ts";
import { testConfig } from "../apps/api/test/helpers/app.ts";

const kind = process.argv[2] === "bare" ? "bare" : "tradeboard";
const SECRET = "fanout-bench-secret-0123456789abcdefghijklmnop";
const walks = DEFAULT_MARKETS.map((spec) => new RandomWalk(spec, { seed: `bench:${spec.symbol}` }));

let publishTick: (symbol: string, price: string, quantity: string, time: number) => void;
let port: number;
let token: string | undefined;
let connections: () => number;

if (kind === "bare") {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  await new Promise((resolve) => wss.once("listening", resolve));
  port = (wss.address() as AddressInfo).port;
  const seqs = new Map<string, number>();
  publishTick = (symbol, price, quantity, time) => {
    const channel = `ticker:${symbol}`;
    const seq = (seqs.get(channel) ?? 0) + 1;
    seqs.set(channel, seq);
    // The same shape and size as the api's ticker message.
    const text = JSON.stringify({
      type: "ticker",
      channel,
      seq,
      data: {
        symbol,
        price,
        open24h: price,
        high24h: price,
        low24h: price,
        volume24h: quantity,
        change24h: "0.00",
        changePercent24h: "0.00",
        time,
      },
    });
    for (const client of wss.clients) client.send(text);
  };
  connections = () => wss.clients.size;
} else {
  const database = await openDatabase({ memory: true });
  await database.migrate();
  const feed = new ManualFeed();
  const app = await buildServer({
    database,
    feed,
    // Every simulated client connects from 127.0.0.1: lift the per-address cap for the bench.
    config: testConfig({ AUTH_SECRET: SECRET, REALTIME_MAX_CONNECTIONS_PER_IP: 100_000 }),
  });
  await app.markets.init();
  app.markets.start();
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
  token = new RealtimeTokens(SECRET, 3_600_000).issue(
    "00000000-0000-4000-8000-000000000001",
    "00000000-0000-4000-8000-0000000000a1",
  ).token;
  publishTick = (symbol, price, quantity, time) => feed.trade(symbol, price, { quantity, time });
  connections = () => app.hub.connectionCount;
}

let timer: NodeJS.Timeout | undefined;
const lag = monitorEventLoopDelay({ resolution: 1 });

/** Every market ticks `perSecond` times a second, in rounds every 10 ms. */
function run(perSecond: number): void {
  clearInterval(timer);
  if (perSecond <= 0) return;
  let owed = 0;
  let last = performance.now();
  timer = setInterval(() => {
    const now = performance.now();
    owed += ((now - last) / 1000) * perSecond;
    last = now;
    for (; owed >= 1; owed--) {
      const time = Date.now();
      for (const walk of walks) {
        const tick = walk.step(time);
        publishTick(tick.symbol, tick.price, tick.quantity, time);
      }
    }
  }, 10);
}

async function memory() {
  for (let i = 0; i < 3; i++) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

process.on("message", (message: { cmd: string; perSecond?: number }) => {
  if (message.cmd === "rate") {
    run(message.perSecond ?? 0);
    lag.reset();
    lag.enable();
    process.send?.({ ok: true });
  } else if (message.cmd === "lag") {
    process.send?.({ p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 });
  } else if (message.cmd === "memory") {
    void memory().then((m) => process.send?.({ ...m, connections: connections() }));
  } else if (message.cmd === "exit") {
    process.exit(0);
  }
});
process.send?.({ port, token, symbols: DEFAULT_MARKETS.map((m) => m.symbol) });
