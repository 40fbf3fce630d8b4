import "server-only";

/**
 * The client's address as the nearest hop saw it: the last X-Forwarded-For entry.
 * A reverse proxy in front appends the real peer there, so a client cannot choose
 * it; with no proxy, Next fills the header with the socket's address itself.
 * (The first entry is whatever the client claims.)
 */
export function clientIp(request: Request): string | undefined {
  const entries = request.headers.get("x-forwarded-for")?.split(",") ?? [];
  return entries.at(-1)?.trim() || undefined;
}
