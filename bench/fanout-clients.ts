/**
 * N WebSocket clients in one process: each subscribes to the given channels (or
 * none, for the memory measurement) and records how long each ticker message
 * took from its tick to arrival.
 */
import WebSocket from "ws";

const [url = "", countText = "0", channelsText = ""] = process.argv.slice(2);
const count = Number(countText);
const channels = channelsText ? channelsText.split(",") : [];
const sockets: WebSocket[] = [];
let received = 0;
let delays: number[] = [];

function open(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on("open", () => {
      if (channels.length > 0) socket.send(JSON.stringify({ type: "subscribe", channels }));
      resolve();
    });
    socket.on("error", reject);
    socket.on("message", (raw) => {
      const message = JSON.parse(raw.toString()) as { type: string; data?: { time?: number } };
      if (message.type !== "ticker" || typeof message.data?.time !== "number") return;
      received++;
      // Sample the delay of one message in 20 to keep the client's own cost down.
      if (received % 20 === 0) delays.push(Date.now() - message.data.time);
    });
    sockets.push(socket);
  });
}

for (let i = 0; i < count; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, count - i) }, open));
}

process.on("message", (message: { cmd: string }) => {
  if (message.cmd === "reset") {
    received = 0;
    delays = [];
    process.send?.({ ok: true });
  } else if (message.cmd === "stats") {
    const sorted = [...delays].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    process.send?.({ received, p50: at(0.5), p99: at(0.99) });
  } else if (message.cmd === "exit") {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});
process.send?.({ connected: sockets.length });
