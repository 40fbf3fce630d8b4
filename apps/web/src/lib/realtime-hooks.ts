"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  type Candle,
  type CandleInterval,
  candlesChannel,
  candlesResponse,
  type MarketSummary,
  type MarketsResponse,
  marketsResponse,
  tickerChannel,
} from "@tradeboard/contracts";
import { useEffect, useSyncExternalStore } from "react";
import { apiRequest } from "./api";
import { type ConnectionStatus, realtime } from "./realtime";

export function useConnectionStatus(): ConnectionStatus {
  return useSyncExternalStore(realtime.onStatus, realtime.getStatus, () => "idle");
}

const MARKETS_KEY = ["markets"] as const;

/** Every market with its 24 h ticker: fetched once, then kept live by the ticker channels. */
export function useMarkets() {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: MARKETS_KEY,
    queryFn: ({ signal }) => apiRequest("/api/markets", marketsResponse, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const symbols = query.data?.markets.map((m) => m.symbol).join(",") ?? "";

  useEffect(() => {
    if (!symbols) return;
    const unsubscribes = symbols.split(",").map((symbol) =>
      realtime.subscribe(tickerChannel(symbol), {
        onMessage(message) {
          if (message.type !== "ticker") return;
          queryClient.setQueryData<MarketsResponse>(
            MARKETS_KEY,
            (old) =>
              old && {
                ...old,
                markets: old.markets.map((m) =>
                  m.symbol === message.data.symbol
                    ? { ...m, ticker: message.data, stale: message.data.stale ?? m.stale }
                    : m,
                ),
              },
          );
          // Turned stale or fresh: fetch the reason and the feed's state with it.
          const known = queryClient.getQueryData<MarketsResponse>(MARKETS_KEY);
          const shown = known?.markets.find((m) => m.symbol === message.data.symbol);
          if (shown && message.data.stale !== undefined && message.data.stale !== (shown.staleReason !== null)) {
            void queryClient.invalidateQueries({ queryKey: MARKETS_KEY });
          }
        },
        onResync() {
          void queryClient.invalidateQueries({ queryKey: MARKETS_KEY });
        },
      }),
    );
    return () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
      // Not kept live any more: whoever shows it next fetches it again.
      void queryClient.invalidateQueries({ queryKey: MARKETS_KEY, refetchType: "none" });
    };
  }, [symbols, queryClient]);

  return query;
}

/** The markets as last fetched or kept live by a page, without subscribing (the header reads it). */
export function useKnownMarkets(enabled: boolean) {
  return useQuery({
    queryKey: MARKETS_KEY,
    queryFn: ({ signal }) => apiRequest("/api/markets", marketsResponse, { signal }),
    staleTime: Number.POSITIVE_INFINITY,
    enabled,
  });
}

/** One market with its live 24 h ticker (undefined while loading or for an unknown symbol). */
export function useTicker(symbol: string): MarketSummary | undefined {
  return useMarkets().data?.markets.find((m) => m.symbol === symbol);
}

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
      apiRequest(`/api/markets/${symbol}/candles?interval=${interval}&limit=500`, candlesResponse, { signal }),
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
