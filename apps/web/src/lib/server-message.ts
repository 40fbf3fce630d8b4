import type { ServerMessage } from "@tradeboard/contracts";

/**
 * Checks a WebSocket message against the contract's `serverMessage` by hand, field by
 * field as the schema does, so that the realtime client (on every page) carries no
 * schema library. Returns the message, or what is wrong with it.
 */
type Check = (value: unknown) => boolean;
const string: Check = (v) => typeof v === "string";
const integer: Check = (v) => Number.isInteger(v);
const boolean: Check = (v) => typeof v === "boolean";
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const object =
  (shape: Record<string, Check>): Check =>
  (v) =>
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.entries(shape).every(([k, c]) => c((v as Record<string, unknown>)[k]));

const ticker = object({
  symbol: string,
  price: string,
  open24h: string,
  high24h: string,
  low24h: string,
  volume24h: string,
  change24h: string,
  changePercent24h: string,
  time: integer,
});
const candle = object({
  time: integer,
  open: string,
  high: string,
  low: string,
  close: string,
  volume: string,
  closed: boolean,
});

const SHAPES: Record<ServerMessage["type"], Record<string, Check>> = {
  welcome: { heartbeatMs: integer, authenticated: boolean },
  subscribed: { channel: string, seq: integer },
  unsubscribed: { channel: string },
  authenticated: { userId: string },
  pong: { id: optional(string), time: integer },
  error: { code: string, message: string, channel: optional(string) },
  ticker: { channel: string, seq: integer, data: ticker },
  candle: { channel: string, seq: integer, data: candle },
  event: { channel: (v) => v === "user", seq: integer, data: object({ kind: string }) },
};

export function readServerMessage(value: unknown): ServerMessage | { invalid: string } {
  const type = (value as { type?: unknown } | null)?.type;
  const shape = typeof type === "string" ? SHAPES[type as ServerMessage["type"]] : undefined;
  if (!shape) return { invalid: `unknown type ${JSON.stringify(type)}` };
  for (const [field, check] of Object.entries(shape)) {
    if (!check((value as Record<string, unknown>)[field])) return { invalid: `${type}: bad ${field}` };
  }
  return value as ServerMessage;
}
