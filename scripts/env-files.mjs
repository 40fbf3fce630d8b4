import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { repoRoot } from "./dev-secret.mjs";

/**
 * Reads `.env.local`, then `.env`, at the repository root (or in
 * TRADEBOARD_ENV_DIR) into process.env, never over a variable already set:
 * the seed's settings (NEXTAUTH_URL, NEXTAUTH_SECRET, NEXT_PUBLIC_API_URL,
 * NEXT_PUBLIC_WS_URL) reach both apps. Each app's env.ts maps the seed's names
 * to the newer ones (AUTH_URL, AUTH_SECRET, API_URL), the newer winning.
 * Returns the files read.
 */
export function loadRootEnv() {
  const dir = process.env.TRADEBOARD_ENV_DIR || repoRoot;
  const read = [];
  for (const name of [".env.local", ".env"]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    for (const [key, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
      if (process.env[key] === undefined) process.env[key] = value;
    }
    read.push(file);
  }
  return read;
}

/** The port of a local URL such as http://localhost:3000, for a variable that is unset. */
export function portOf(url) {
  try {
    const parsed = new URL(url);
    if (!["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname)) return undefined;
    return parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  } catch {
    return undefined;
  }
}

/**
 * The ports both apps listen on: WEB_PORT and API_PORT, else those of the
 * public URLs when they are local (so a seed .env.local alone is enough), else 3000 and 3001.
 */
export function localPorts() {
  const authUrl = process.env.AUTH_URL || process.env.NEXTAUTH_URL;
  const apiUrl = process.env.API_URL || process.env.NEXT_PUBLIC_API_URL;
  return {
    WEB_PORT: process.env.WEB_PORT || (authUrl && portOf(authUrl)) || "3000",
    API_PORT: process.env.API_PORT || (apiUrl && portOf(apiUrl)) || "3001",
  };
}
