// Prints each route's first-load JavaScript from a finished `next build` (Next 16 no longer
// prints it), uncompressed and gzipped, and whether any of it carries the wallet code.
// Usage: node scripts/first-load-js.mjs [distDir relative to apps/web, default .next]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const web = fileURLToPath(new URL("../apps/web/", import.meta.url));
const distDir = process.argv[2] ?? ".next";
const stats = JSON.parse(readFileSync(join(web, distDir, "diagnostics/route-bundle-stats.json"), "utf8"));
// Strings that survive minification in wagmi / viem / WalletConnect code.
const WALLET_MARKERS = ["eip6963:requestProvider", "WagmiProviderNotFoundError", "relay.walletconnect"];

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const rows = stats
  .map(({ route, firstLoadChunkPaths }) => {
    let raw = 0;
    let gzip = 0;
    let wallet = false;
    for (const path of firstLoadChunkPaths) {
      const body = readFileSync(join(web, path));
      raw += body.length;
      gzip += gzipSync(body).length;
      const text = body.toString("utf8");
      wallet ||= WALLET_MARKERS.some((marker) => text.includes(marker));
    }
    return { route, raw, gzip, wallet };
  })
  .sort((a, b) => a.route.localeCompare(b.route));

console.log(`First-load JS per route (${distDir})\n`);
console.log("| route | uncompressed | gzip | wallet code |");
console.log("| --- | ---: | ---: | --- |");
for (const r of rows) console.log(`| ${r.route} | ${kb(r.raw)} | ${kb(r.gzip)} | ${r.wallet ? "yes" : "no"} |`);
