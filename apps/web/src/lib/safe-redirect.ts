/**
 * Where to send a person after sign-in. `value` (a callbackUrl from a link or a
 * form) is resolved against this site's `origin` exactly as a browser resolves
 * it — tabs and newlines dropped, backslashes read as slashes, leading spaces
 * ignored — and kept only when it stays on that origin. The answer is a path
 * ("/dashboard?symbol=ETH-USD") that means the same wherever it is used; anything
 * else ("/\t/evil.example", "//evil.example", "https://evil.example",
 * "javascript:…") gives `fallback`.
 */
export function safeCallbackUrl(value: string | null | undefined, origin: string, fallback = "/dashboard"): string {
  if (!value) return fallback;
  let url: URL;
  let site: string;
  try {
    site = new URL(origin).origin;
    url = new URL(value, site);
  } catch {
    return fallback;
  }
  if (url.origin !== site) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//evil.example" resolves here to the path "//evil.example", which on its own names another host.
  if (!path.startsWith("/") || path.startsWith("//")) return fallback;
  return path;
}
