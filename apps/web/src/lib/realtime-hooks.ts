"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type Candle, type CandleInterval, type CandlesResponse, candlesChannel } from "@tradeboard/contracts";
import { useEffect } from "react";
import { apiRequest } from "./api";
import { realtime } from "./realtime";

/** Replaces the forming candle or appends a newer one; older updates are ignored. */
export function mergeCandle(candles: readonly Candle[], update: Candle): Candle[] {
  const last = candles.at(-1);
  if (!last || update.time > last.time) return [...candles, update];
  if (update.time === last.time) return [...candles.slice(0, -1), update];
  return candles as Candle[];
}

/** Candle history over REST, with the forming candle kept live from its channel. */
export function useLiveCandles(symbol: string, interval: CandleInterval) {
  const queryClient = useQueryClient();
  const key = ["candles", symbol, interval] as const;
  const query = useQuery({
    queryKey: key,
    queryFn: ({ signal }) =>
      apiRequest<CandlesResponse>(`/api/markets/${symbol}/candles?interval=${interval}&limit=500`, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });

  useEffect(() => {
    const queryKey = ["candles", symbol, interval];
    const unsubscribe = realtime.subscribe(candlesChannel(symbol, interval), {
      onMessage(message) {
        if (message.type !== "candle") return;
        const { closed: _closed, ...candle } = message.data;
        queryClient.setQueryData<{ symbol: string; interval: CandleInterval; candles: Candle[] }>(
          queryKey,
          (old) => old && { ...old, candles: mergeCandle(old.candles, candle) },
        );
      },
      onResync() {
        void queryClient.invalidateQueries({ queryKey });
      },
    });
    return () => {
      unsubscribe();
      // Candles formed while nobody listened would be missing: refetch when shown again.
      void queryClient.invalidateQueries({ queryKey, refetchType: "none" });
    };
  }, [symbol, interval, queryClient]);

  return { ...query, queryKey: key };
}
