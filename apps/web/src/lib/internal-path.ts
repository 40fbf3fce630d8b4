/**
 * Whether a request path names the api's internal endpoints (/api/internal/…),
 * however it is spelled: percent-encoded (once or more), in any case, with
 * backslashes, repeated slashes or dot segments. The web app refuses these
 * itself; only the web server calls them, straight at the api, with its key.
 */
export function isInternalApiPath(pathname: string): boolean {
  let path = pathname;
  // Undo percent-encoding byte by byte until nothing changes (invalid escapes stay as they are).
  for (let round = 0; round < 8; round++) {
    const decoded = path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (decoded === path) break;
    path = decoded;
  }
  const segments: string[] = [];
  for (const segment of path.replaceAll("\\", "/").toLowerCase().split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments[0] === "api" && segments[1] !== undefined && segments[1].startsWith("internal");
}
