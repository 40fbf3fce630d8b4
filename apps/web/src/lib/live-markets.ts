"use client";
import type { MarketSummary, MarketsResponse } from "@tradeboard/contracts";
import { useEffect, useSyncExternalStore } from "react";
import { ApiError, apiRequest } from "./api";
import { type ConnectionStatus, realtime } from "./realtime";

export function useConnectionStatus(): ConnectionStatus {
  return useSyncExternalStore(realtime.onStatus, realtime.getStatus, () => "idle");
}

/** As React Query's result narrows: pending (no data yet), failed without data, or with data (and maybe a failed refresh). */
export type MarketsState =
  | { data: undefined; error: null; isPending: true }
  | { data: undefined; error: Error; isPending: false }
  | { data: MarketsResponse; error: Error | null; isPending: false };

const PENDING: MarketsState = { data: undefined, error: null, isPending: true };
/** Failed loads retried (not a 4xx: that answer will not change), 1 s, 2 s, 4 s apart. */
const RETRIES = 3;

/**
 * Every market with its 24 h ticker, for the whole tab: fetched when first shown, kept
 * live by the ticker channels while anything shows it, and fetched again when shown
 * after nothing watched it (ticks were missed) or when the socket says it missed
 * messages. A small store of its own rather than a query cache, so that the landing
 * page (a markets table and nothing else) ships no data library.
 */
class MarketsStore {
  private state: MarketsState = PENDING;
  private readonly listeners = new Set<() => void>();
  private watchers = 0;
  private stale = true;
  private loading = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private unsubscribeTickers: (() => void) | undefined;
  private tickerSymbols = "";

  getState = (): MarketsState => this.state;
  getServerState = (): MarketsState => PENDING;

  onChange = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The markets as last loaded, loading them once if nothing has yet (no ticker subscription). */
  peek(): void {
    if (!this.state.data && !this.loading && !this.retry) this.load(0);
  }

  /** A component shows the markets; returns its goodbye. */
  watch(): () => void {
    this.watchers += 1;
    if (this.stale) this.load(0);
    this.followTickers();
    return () => {
      this.watchers -= 1;
      if (this.watchers > 0) return;
      this.unsubscribeTickers?.();
      this.unsubscribeTickers = undefined;
      this.tickerSymbols = "";
      // Not kept live any more: whoever shows it next fetches it again.
      this.stale = true;
    };
  }

  private set(next: MarketsState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
    this.followTickers();
  }

  private load(failures: number): void {
    if (this.loading || (failures === 0 && this.retry)) return;
    this.loading = true;
    this.stale = false;
    apiRequest<MarketsResponse>("/api/markets").then(
      (data) => {
        this.loading = false;
        this.set({ data, error: null, isPending: false });
      },
      (error: unknown) => {
        this.loading = false;
        const final = (error instanceof ApiError && error.status >= 400 && error.status < 500) || failures >= RETRIES;
        if (!final) {
          this.retry = setTimeout(
            () => {
              this.retry = undefined;
              this.load(failures + 1);
            },
            1000 * 2 ** failures,
          );
          return;
        }
        this.stale = true;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.set(
          this.state.data
            ? { data: this.state.data, error: failure, isPending: false }
            : { data: undefined, error: failure, isPending: false },
        );
      },
    );
  }

  /** One subscription per market's ticker while anything watches. */
  private followTickers(): void {
    const symbols = this.watchers > 0 ? (this.state.data?.markets.map((m) => m.symbol).join(",") ?? "") : "";
    if (symbols === this.tickerSymbols) return;
    this.unsubscribeTickers?.();
    this.unsubscribeTickers = undefined;
    this.tickerSymbols = symbols;
    if (!symbols) return;
    const unsubscribes = symbols.split(",").map((symbol) =>
      realtime.subscribe(`ticker:${symbol}`, {
        onMessage: (message) => {
          if (message.type !== "ticker" || !this.state.data) return;
          const data = this.state.data;
          const shown = data.markets.find((m) => m.symbol === message.data.symbol);
          this.set({
            ...this.state,
            data: {
              ...data,
              markets: data.markets.map((m) =>
                m.symbol === message.data.symbol
                  ? { ...m, ticker: message.data, stale: message.data.stale ?? m.stale }
                  : m,
              ),
            },
          });
          // Turned stale or fresh: fetch the reason and the feed's state with it.
          if (shown && message.data.stale !== undefined && message.data.stale !== (shown.staleReason !== null)) {
            this.stale = true;
            this.load(0);
          }
        },
        onResync: () => {
          this.stale = true;
          if (this.watchers > 0) this.load(0);
        },
      }),
    );
    this.unsubscribeTickers = () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }
}

const markets = new MarketsStore();

/** Every market with its live 24 h ticker: `{ data, error, isPending }`. */
export function useMarkets(): MarketsState {
  useEffect(() => markets.watch(), []);
  return useSyncExternalStore(markets.onChange, markets.getState, markets.getServerState);
}

/** One market with its live 24 h ticker (undefined while loading or for an unknown symbol). */
export function useTicker(symbol: string): MarketSummary | undefined {
  return useMarkets().data?.markets.find((m) => m.symbol === symbol);
}

/**
 * The markets as last loaded or kept live by a page, without subscribing to their tickers
 * (the header's indicator reads where prices come from and which markets are stale).
 */
export function useKnownMarkets(enabled: boolean): MarketsState {
  useEffect(() => {
    if (enabled) markets.peek();
  }, [enabled]);
  return useSyncExternalStore(markets.onChange, markets.getState, markets.getServerState);
}
