import { randomUUID } from "node:crypto";
/**
 * Alerts at scale. One million active alerts spread over the markets:
 * - per-tick evaluation cost of the trigger index, against a linear scan of
 *   the same million measured in the same run;
 * - the delay from a crossing tick to the user's WebSocket message, through
 *   the real api (alert claimed in the database, event recorded, message sent),
 *   with the million resting in its index.
 */
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { DEFAULT_MARKETS, Decimal, TriggerIndex } from "@tradeboard/core";
import { insertUser } from "@tradeboard/db";
import WebSocket from "ws";
import { RealtimeTokens } from "../apps/api/src/auth/realtime-token.ts";
import { sessionCookie, TEST_SECRET, testApp } from "../apps/api/test/helpers/app.ts";
import { openTestDatabase } from "../apps/api/test/helpers/database.ts";

const ALERTS = Number(process.env.BENCH_ALERTS ?? 1_000_000);
const symbols = DEFAULT_MARKETS.map((m) => m.symbol);

function spread(i: number) {
  const symbol = symbols[i % symbols.length] ?? "BTC-USD";
  const above = i % 2 === 0;
  // Far from the price (1000.00): nothing fires unless a test price moves there.
  const cents = above ? 200_000 + (i % 50_000) : 50_000 - (i % 40_000);
  return { symbol, direction: above ? ("rise" as const) : ("fall" as const), threshold: new Decimal(cents).div(100) };
}

// --- per-tick evaluation ----------------------------------------------------------------------
const index = new TriggerIndex<number>();
const flat: ReturnType<typeof spread>[] = [];
for (let i = 0; i < ALERTS; i++) {
  const entry = spread(i);
  index.add(`a${i}`, entry.symbol, entry.direction, entry.threshold.toFixed(2), i);
  flat.push(entry);
}
const ticks = 20_000;
let start = process.hrtime.bigint();
for (let t = 0; t < ticks; t++) index.fire(symbols[t % symbols.length] ?? "BTC-USD", "1000.00");
const indexMicros = Number(process.hrtime.bigint() - start) / 1000 / ticks;
const scanTicks = 5;
start = process.hrtime.bigint();
for (let t = 0; t < scanTicks; t++) {
  const symbol = symbols[t % symbols.length];
  const price = new Decimal("1000.00");
  let fired = 0;
  for (const e of flat) {
    if (e.symbol !== symbol) continue;
    if (e.direction === "rise" ? price.greaterThanOrEqualTo(e.threshold) : price.lessThanOrEqualTo(e.threshold))
      fired++;
  }
  if (fired !== 0) throw new Error("the scan fired");
}
const scanMicros = Number(process.hrtime.bigint() - start) / 1000 / scanTicks;

// --- tick to message --------------------------------------------------------------------------
const driver = process.env.DATABASE_URL ? "postgres" : "pglite";
const database = await openTestDatabase(driver);
const { app, feed } = await testApp(database, { MAX_ACTIVE_ALERTS: 1_000 });
await app.markets.init();
app.markets.start();
await app.listen({ port: 0, host: "127.0.0.1" });
// The million, resting in the running service's own index (far from any price used below).
const serviceIndex = (
  app.alerts as unknown as { index: TriggerIndex<{ alertId: string; userId: string; rearm: boolean }> }
).index;
for (let i = 0; i < ALERTS; i++) {
  const entry = spread(i);
  serviceIndex.add(`bench${i}`, entry.symbol, entry.direction, entry.threshold.toFixed(2), {
    alertId: `bench${i}`,
    userId: "none",
    rearm: false,
  });
}
const user = await insertUser(database.db, { email: "alerts-bench@example.com", name: "Bench", passwordHash: null });
const cookie = await sessionCookie(database, { sub: user.id });
const socket = new WebSocket(
  `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws?token=${encodeURIComponent(new RealtimeTokens(TEST_SECRET).issue(user.id, randomUUID()).token)}`,
);
await new Promise((resolve) => socket.once("open", resolve));
socket.send(JSON.stringify({ type: "subscribe", channels: ["user"] }));
await new Promise((resolve) => setTimeout(resolve, 200));

// The other markets keep trading at the feed's default rate (4 ticks a second each) meanwhile.
const others = DEFAULT_MARKETS.filter((m) => m.symbol !== "ETH-USD").map((m) => ({
  symbol: m.symbol,
  price: new Decimal(m.initialPrice),
}));
const background = setInterval(() => {
  for (const market of others) {
    market.price = market.price.times(Math.random() < 0.5 ? "0.9999" : "1.0001").toDecimalPlaces(2);
    feed.trade(market.symbol, market.price.toFixed(2), { quantity: "1" });
  }
}, 250);

const delays: number[] = [];
for (let round = 0; round < 50; round++) {
  feed.trade("ETH-USD", "1000.00", { quantity: "1" });
  await app.inject({
    method: "POST",
    url: "/api/alerts",
    headers: { cookie },
    payload: { symbol: "ETH-USD", condition: "above", price: "1001.00" },
  });
  const arrived = new Promise<number>((resolve) =>
    socket.once("message", function listen(raw) {
      const message = JSON.parse(raw.toString()) as { type: string; data?: { kind?: string } };
      if (message.type === "event" && message.data?.kind === "alert") resolve(performance.now());
      else socket.once("message", listen);
    }),
  );
  const sent = performance.now();
  feed.trade("ETH-USD", "1001.50", { quantity: "1" });
  delays.push((await arrived) - sent);
}
clearInterval(background);
socket.close();
await app.close();
await database.close();
delays.sort((a, b) => a - b);
const at = (q: number) => (delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? 0).toFixed(2);

const report = `# alerts.bench — ${new Date().toISOString()}

${ALERTS.toLocaleString("en")} active alerts over ${symbols.length} markets; database for the delay: **${driver}**; the other
markets tick at the feed's default rate (4/s each) while the delay is measured.

| measure | value |
| --- | ---: |
| trigger index, µs per tick (nothing fires) | ${indexMicros.toFixed(2)} |
| linear scan of the same alerts, µs per tick (baseline) | ${scanMicros.toFixed(0)} |
| scan / index | **${(scanMicros / indexMicros).toFixed(0)}×** |
| tick → user WebSocket message, p50 ms | ${at(0.5)} |
| tick → user WebSocket message, p99 ms | ${at(0.99)} |
`;
console.log(report);
writeFileSync(new URL(`./results/alerts-${driver}.md`, import.meta.url), report);
