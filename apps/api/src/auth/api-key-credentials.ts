import type { IncomingHttpHeaders } from "node:http";

export const KEY_ID_HEADER = "apca-api-key-id";
export const SECRET_HEADER = "apca-api-secret-key";

export interface KeyCredentials {
  keyId: string;
  secret: string;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === "string" ? value.trim() : undefined;
};

/**
 * An API key as Alpaca's clients send it (`APCA-API-KEY-ID` and
 * `APCA-API-SECRET-KEY`), or as `Authorization: Bearer <keyId>:<secret>`.
 * `undefined` when the request presents no key at all; a request that names a
 * key (either header, or a Bearer token) gets `{ keyId, secret }` even when a
 * half is missing, so it is refused as a key and never falls back to a cookie.
 */
export function readKeyCredentials(headers: IncomingHttpHeaders): KeyCredentials | undefined {
  const keyId = header(headers, KEY_ID_HEADER);
  const secret = header(headers, SECRET_HEADER);
  if (keyId !== undefined || secret !== undefined) return { keyId: keyId ?? "", secret: secret ?? "" };
  const authorization = header(headers, "authorization");
  const bearer = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (bearer === undefined) return undefined;
  const colon = bearer.indexOf(":");
  return colon < 0 ? { keyId: bearer, secret: "" } : { keyId: bearer.slice(0, colon), secret: bearer.slice(colon + 1) };
}
