import type { Candle } from "@tradeboard/core";
import { and, asc, desc, eq, gte, lte, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { candles } from "../schema.ts";

/** A candle as core defines it; amounts come back as NUMERIC strings (18 places). */
export type StoredCandle = Candle;

function toStored(row: typeof candles.$inferSelect): StoredCandle {
  return {
    time: row.openTime.getTime(),
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
  };
}

/**
 * Saves closed candles; a candle saved again (a restart replaying a minute)
 * replaces the earlier version. Written in batches to keep statements small.
 */
export async function saveCandles(
  db: Db,
  rows: readonly { symbol: string; interval: string; candle: StoredCandle }[],
): Promise<void> {
  const BATCH = 2000;
  for (let i = 0; i < rows.length; i += BATCH) {
    const values = rows.slice(i, i + BATCH).map(({ symbol, interval, candle }) => ({
      symbol,
      interval,
      openTime: new Date(candle.time),
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
    }));
    await db
      .insert(candles)
      .values(values)
      .onConflictDoUpdate({
        target: [candles.symbol, candles.interval, candles.openTime],
        set: {
          open: sql`excluded.open`,
          high: sql`excluded.high`,
          low: sql`excluded.low`,
          close: sql`excluded.close`,
          volume: sql`excluded.volume`,
        },
      });
  }
}

/** Up to `limit` candles, oldest first: the latest ones in [from, to] when both or neither bound is given, the earliest from `from` when only it is. */
export async function listCandles(
  db: Db,
  params: { symbol: string; interval: string; from?: number; to?: number; limit: number },
): Promise<StoredCandle[]> {
  const where = and(
    eq(candles.symbol, params.symbol),
    eq(candles.interval, params.interval),
    params.from === undefined ? undefined : gte(candles.openTime, new Date(params.from)),
    params.to === undefined ? undefined : lte(candles.openTime, new Date(params.to)),
  );
  if (params.from !== undefined && params.to === undefined) {
    const rows = await db.select().from(candles).where(where).orderBy(asc(candles.openTime)).limit(params.limit);
    return rows.map(toStored);
  }
  const rows = await db.select().from(candles).where(where).orderBy(desc(candles.openTime)).limit(params.limit);
  return rows.reverse().map(toStored);
}

/** The newest closed candle of a market and interval, or null when it has no history yet. */
export async function latestCandle(db: Db, params: { symbol: string; interval: string }): Promise<StoredCandle | null> {
  const [row] = await db
    .select()
    .from(candles)
    .where(and(eq(candles.symbol, params.symbol), eq(candles.interval, params.interval)))
    .orderBy(desc(candles.openTime))
    .limit(1);
  return row ? toStored(row) : null;
}
