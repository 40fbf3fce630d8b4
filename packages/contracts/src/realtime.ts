import { CANDLE_INTERVALS } from "@tradeboard/core";
import { z } from "zod";
import { USER_CHANNEL } from "./channels.ts";
import { candle, ticker } from "./markets.ts";

/**
 * Channels: `ticker:BTC-USD`, `candles:BTC-USD:1m`, and `user` (the signed-in
 * user's private events; needs a token from GET /api/realtime/token).
 */
const channelPattern = new RegExp(
  `^(ticker:[A-Z0-9]{2,10}-[A-Z]{2,10}|candles:[A-Z0-9]{2,10}-[A-Z]{2,10}:(${CANDLE_INTERVALS.join("|")})|user)$`,
);
export const channel = z.string().max(64).regex(channelPattern, "unknown channel");
export type Channel = string;

/** GET /api/realtime/token */
export const realtimeTokenResponse = z.object({ token: z.string(), expiresAt: z.iso.datetime() });
export type RealtimeTokenResponse = z.infer<typeof realtimeTokenResponse>;

// --- client → server --------------------------------------------------------------------

export const clientMessage = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("subscribe"), channels: z.array(channel).min(1).max(100) }),
  z.strictObject({ type: z.literal("unsubscribe"), channels: z.array(channel).min(1).max(100) }),
  /** Proves who the user is for the `user` channel; the token may also come as `?token=` on connect. */
  z.strictObject({ type: z.literal("auth"), token: z.string().min(1).max(2048) }),
  z.strictObject({ type: z.literal("ping"), id: z.string().max(64).optional() }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

// --- server → client --------------------------------------------------------------------

/**
 * Every message on a channel carries that channel's sequence number, one more
 * than the last published; a client that sees a jump missed messages (or was
 * conflated as a slow reader) and should refetch over REST.
 */
export const tickerMessage = z.object({
  type: z.literal("ticker"),
  channel: z.string(),
  seq: z.number().int(),
  data: ticker,
});
export const candleMessage = z.object({
  type: z.literal("candle"),
  channel: z.string(),
  seq: z.number().int(),
  /** `closed` is true on the last update of a candle, false while it is still forming. */
  data: candle.extend({ closed: z.boolean() }),
});
export const userEventMessage = z.object({
  type: z.literal("event"),
  channel: z.literal(USER_CHANNEL),
  seq: z.number().int(),
  /** Order, fill, balance and alert events; their shapes live with their resources. */
  data: z.object({ kind: z.string() }).passthrough(),
});

export const serverMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), heartbeatMs: z.number().int(), authenticated: z.boolean() }),
  z.object({ type: z.literal("subscribed"), channel: z.string(), seq: z.number().int() }),
  z.object({ type: z.literal("unsubscribed"), channel: z.string() }),
  z.object({ type: z.literal("authenticated"), userId: z.string() }),
  z.object({ type: z.literal("pong"), id: z.string().optional(), time: z.number().int() }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string(), channel: z.string().optional() }),
  tickerMessage,
  candleMessage,
  userEventMessage,
]);
export type ServerMessage = z.infer<typeof serverMessage>;
export type TickerMessage = z.infer<typeof tickerMessage>;
export type CandleMessage = z.infer<typeof candleMessage>;
