// The load generator of feeds.bench.ts, in its own process: a local venue (WebSocket + HTTP)
// that sends pre-built messages in the venue's documented format at a fixed rate.
// Usage: feeds-replay.ts <coinbase|binance|kraken> <messages per second> <seconds>
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { krakenChecksum } from "../apps/api/src/market/kraken.ts";
import { OrderBook } from "../apps/api/src/market/order-book.ts";

const [venue = "coinbase", rateText = "5000", secondsText = "4"] = process.argv.slice(2);
const rate = Number(rateText);
const total = rate * Number(secondsText);
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

function coinbase(): string[] {
  const out: string[] = [];
  let seq = 0;
  const env = (channel: string, events: unknown[]) =>
    JSON.stringify({
      channel,
      client_id: "",
      timestamp: "2026-03-01T12:00:00.123456789Z",
      sequence_num: seq++,
      events,
    });
  const level = (side: string, price: string, qty: string) => ({
    side,
    event_time: "2026-03-01T12:00:00.123456Z",
    price_level: price,
    new_quantity: qty,
  });
  out.push(
    env("l2_data", [
      {
        type: "snapshot",
        product_id: "BTC-USD",
        updates: Array.from({ length: 50 }, (_, i) => [
          level("bid", (64000 - i).toFixed(2), "1.5"),
          level("offer", (64001 + i).toFixed(2), "1.5"),
        ]).flat(),
      },
    ]),
  );
  for (let i = 0; out.length < total; i++) {
    const price = (64000 + (i % 50) / 100).toFixed(2);
    const kind = i % 10;
    if (kind < 6) {
      out.push(
        env("market_trades", [
          {
            type: "update",
            trades: [
              {
                trade_id: String(100000 + i),
                product_id: "BTC-USD",
                price,
                size: "0.00123",
                side: i % 2 ? "BUY" : "SELL",
                time: new Date(T0 + i).toISOString(),
              },
            ],
          },
        ]),
      );
    } else if (kind < 9) {
      out.push(
        env("l2_data", [
          {
            type: "update",
            product_id: "BTC-USD",
            updates: [
              level("bid", (63990 - (i % 7)).toFixed(2), "0.5"),
              level("offer", (64010 + (i % 7)).toFixed(2), "0.7"),
            ],
          },
        ]),
      );
    } else {
      out.push(
        env("ticker", [
          {
            type: "update",
            tickers: [
              {
                type: "ticker",
                product_id: "BTC-USD",
                price,
                volume_24_h: "16038.28770938",
                low_24_h: "63000",
                high_24_h: "65000",
                low_52_w: "15460",
                high_52_w: "73000",
                price_percent_chg_24_h: "1.2",
                best_bid: "64000.00",
                best_bid_quantity: "1.5",
                best_ask: "64001.00",
                best_ask_quantity: "1.5",
              },
            ],
          },
        ]),
      );
    }
  }
  return out;
}

function binance(): string[] {
  const out: string[] = [];
  let updateId = 1000;
  for (let i = 0; out.length < total; i++) {
    const kind = i % 10;
    const price = (64000 + (i % 50) / 100).toFixed(8);
    if (kind < 5) {
      out.push(
        JSON.stringify({
          stream: "btcusdt@trade",
          data: {
            e: "trade",
            E: T0 + i,
            s: "BTCUSDT",
            t: 500000 + i,
            p: price,
            q: "0.00123000",
            T: T0 + i,
            m: true,
            M: true,
          },
        }),
      );
    } else if (kind < 8) {
      out.push(
        JSON.stringify({
          stream: "btcusdt@bookTicker",
          data: {
            u: updateId,
            s: "BTCUSDT",
            b: "64000.00000000",
            B: "1.50000000",
            a: "64001.00000000",
            A: "1.50000000",
          },
        }),
      );
    } else {
      const first = updateId + 1;
      updateId += 3;
      out.push(
        JSON.stringify({
          stream: "btcusdt@depth@100ms",
          data: {
            e: "depthUpdate",
            E: T0 + i,
            s: "BTCUSDT",
            U: first,
            u: updateId,
            b: [[(63990 - (i % 7)).toFixed(8), "0.50000000"]],
            a: [[(64010 + (i % 7)).toFixed(8), "0.70000000"]],
          },
        }),
      );
    }
  }
  return out;
}

function kraken(): string[] {
  const out: string[] = [];
  const book = new OrderBook("BTC-USD");
  const bids = Array.from({ length: 10 }, (_, i) => ({ price: (64000 - i).toFixed(1), qty: "1.50000000" }));
  const asks = Array.from({ length: 10 }, (_, i) => ({ price: (64001 + i).toFixed(1), qty: "1.50000000" }));
  for (const b of bids) book.set("bid", b.price, b.qty);
  for (const a of asks) book.set("ask", a.price, a.qty);
  const levels = (ls: { price: string; qty: string }[]) =>
    ls.map((l) => `{"price":${l.price},"qty":${l.qty}}`).join(",");
  out.push(
    `{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[${levels(bids)}],"asks":[${levels(asks)}],"checksum":${krakenChecksum(book.top(10))}}]}`,
  );
  for (let i = 0; out.length < total; i++) {
    const kind = i % 10;
    const time = new Date(T0 + i).toISOString().replace("Z", "000Z");
    if (kind < 5) {
      const price = (64000 + (i % 50) / 10).toFixed(1);
      out.push(
        `{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":${price},"qty":0.00123000,"ord_type":"market","trade_id":${100000 + i},"timestamp":"${time}"}]}`,
      );
    } else if (kind < 7) {
      out.push(
        `{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":64000.0,"bid_qty":1.5,"ask":64001.0,"ask_qty":1.5,"last":64000.5,"volume":1234.56789,"vwap":64000.1,"low":63000.0,"high":65000.0,"change":100.0,"change_pct":0.16}]}`,
      );
    } else {
      // Change the size of one bid and one ask within the top 10; the checksum is the venue's over the new top 10.
      const bid = { price: (64000 - (i % 10)).toFixed(1), qty: `${1 + (i % 5)}.25000000` };
      const ask = { price: (64001 + (i % 10)).toFixed(1), qty: `${1 + (i % 3)}.75000000` };
      book.set("bid", bid.price, bid.qty);
      book.set("ask", ask.price, ask.qty);
      out.push(
        `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[${levels([bid])}],"asks":[${levels([ask])}],"checksum":${krakenChecksum(book.top(10))},"timestamp":"${time}"}]}`,
      );
    }
  }
  return out;
}

const messages = venue === "binance" ? binance() : venue === "kraken" ? kraken() : coinbase();

const http = createServer((req, res) => {
  // Binance's depth snapshot; every other path answers an empty list.
  res.writeHead(200, { "content-type": "application/json" });
  if (req.url?.startsWith("/api/v3/depth")) res.end(JSON.stringify({ lastUpdateId: 1000, bids: [], asks: [] }));
  else res.end("[]");
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
await new Promise((resolve) => wss.once("listening", resolve));

wss.on("connection", (socket) => {
  // Binance names its streams in the URL; the others subscribe first. Give the adapter a moment either way.
  setTimeout(() => {
    const perTick = rate / 100; // every 10 ms
    let sent = 0;
    const timer = setInterval(() => {
      const end = Math.min(messages.length, sent + perTick);
      for (; sent < end; sent++) socket.send(messages[sent] as string);
      if (sent >= messages.length) {
        clearInterval(timer);
        process.stdout.write(`sent ${sent}\n`);
      }
    }, 10);
  }, 300);
});

process.stdout.write(
  `${JSON.stringify({
    wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    restUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    messages: messages.length,
  })}\n`,
);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
