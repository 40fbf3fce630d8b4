import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import type { NextConfig } from "next";
import { DEFAULT_WS_URL } from "./src/lib/ws-url";

/**
 * The root .env.local / .env (the seed's settings), never over a variable
 * already set, for `next build` and `next start` run directly as well as
 * through scripts/dev.mjs and start.mjs (scripts/env-files.mjs does the same):
 * NEXT_PUBLIC_WS_URL is written into the build.
 */
function loadRootEnv(): void {
  const root = existsSync(join(process.cwd(), "apps", "web")) ? process.cwd() : join(process.cwd(), "..", "..");
  const dir = process.env.TRADEBOARD_ENV_DIR || root;
  for (const name of [".env.local", ".env"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    for (const [key, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
      if (process.env[key] === undefined) process.env[key] = value;
    }
  }
}
loadRootEnv();
const WS_URL = process.env.NEXT_PUBLIC_WS_URL || DEFAULT_WS_URL;

const isProduction = process.env.NODE_ENV === "production";

/** WalletConnect's relay, its wallet list and QR modal (used only when WALLETCONNECT_PROJECT_ID is set). */
const WALLETCONNECT = {
  connect: [
    "https://*.walletconnect.com",
    "https://*.walletconnect.org",
    "wss://*.walletconnect.com",
    "wss://*.walletconnect.org",
    "https://*.reown.com",
    "https://*.web3modal.org",
  ],
  img: ["https://*.walletconnect.com", "https://*.reown.com", "https://*.web3modal.org"],
  font: ["https://fonts.reown.com"],
  frame: ["https://verify.walletconnect.com", "https://verify.walletconnect.org", "https://secure.walletconnect.org"],
};

/**
 * Inline scripts stay allowed: next-themes sets the theme before first paint
 * (no flash) and Next inlines its bootstrap. Framing, plugins and foreign
 * origins are shut out, but for WalletConnect's own.
 */
function contentSecurityPolicy(): string {
  const ws = new URL(WS_URL);
  const connect = ["'self'", `${ws.protocol}//${ws.host}`, ...WALLETCONNECT.connect];
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${isProduction ? "" : " 'unsafe-eval'"}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${WALLETCONNECT.img.join(" ")}`,
    `font-src 'self' data: ${WALLETCONNECT.font.join(" ")}`,
    `frame-src ${WALLETCONNECT.frame.join(" ")}`,
    `connect-src ${connect.join(" ")}`,
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy() },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  ...(isProduction ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }] : []),
];

const config: NextConfig = {
  // The end-to-end tests build into their own folder (with their own WebSocket URL).
  distDir: process.env.NEXT_DIST_DIR || ".next",
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@tradeboard/contracts", "@tradeboard/core"],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default config;
