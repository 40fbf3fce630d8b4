import "server-only";
import { headers } from "next/headers";
import { serverEnv } from "@/env";

/**
 * The origin this page was asked for: AUTH_URL's when set (as Auth.js does),
 * else the Host the browser sent (Next fills x-forwarded-host and -proto from it).
 */
export async function pageOrigin(): Promise<string> {
  const env = serverEnv();
  if (env.AUTH_URL) return new URL(env.AUTH_URL).origin;
  const incoming = await headers();
  const host = incoming.get("x-forwarded-host") ?? incoming.get("host") ?? "localhost";
  const proto = incoming.get("x-forwarded-proto") === "https" ? "https" : "http";
  return `${proto}://${host}`;
}
