"use client";
import type { MarketSummary } from "@tradeboard/contracts";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { compareDecimals, groupDigits } from "@/lib/format";
import { useMarkets } from "@/lib/live-markets";
import { PriceChange } from "./price-change";

/** The last price, flashing green or red for a moment when it moves. */
function LivePrice({ price }: { price: string }) {
  const previous = useRef(price);
  const [flash, setFlash] = useState<"up" | "down" | null>(null);
  useEffect(() => {
    if (price === previous.current) return;
    setFlash(compareDecimals(price, previous.current) > 0 ? "up" : "down");
    previous.current = price;
    const timer = setTimeout(() => setFlash(null), 400);
    return () => clearTimeout(timer);
  }, [price]);
  const color =
    flash === "up"
      ? "bg-emerald-500/15 text-emerald-700 dark:text-emerald-300"
      : flash === "down"
        ? "bg-red-500/15 text-red-700 dark:text-red-300"
        : "";
  return (
    <span className={`rounded px-1 tabular-nums transition-colors duration-300 ${color}`}>{groupDigits(price)}</span>
  );
}

export function MarketsTable({
  selected,
  onSelect,
  linkPrefix,
}: {
  selected?: string;
  /** Makes rows selectable in place (the dashboard). */
  onSelect?: (symbol: string) => void;
  /** Or makes each market a link to `${linkPrefix}${symbol}` (the landing page). */
  linkPrefix?: string;
}) {
  const { data, error, isPending } = useMarkets();
  if (error) {
    return (
      <p role="alert" className="p-4 text-sm text-red-600 dark:text-red-400">
        {error.message}
      </p>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="markets-table">
        <thead className="text-xs uppercase text-zinc-500">
          <tr className="border-b border-zinc-200 dark:border-zinc-800">
            <th className="px-3 py-2 font-medium">Market</th>
            <th className="px-3 py-2 text-right font-medium">Last price</th>
            <th className="px-3 py-2 text-right font-medium">24h change</th>
            <th className="hidden px-3 py-2 text-right font-medium md:table-cell">24h high</th>
            <th className="hidden px-3 py-2 text-right font-medium md:table-cell">24h low</th>
            <th className="hidden px-3 py-2 text-right font-medium sm:table-cell">24h volume</th>
          </tr>
        </thead>
        <tbody>
          {isPending
            ? Array.from({ length: 5 }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
                <tr key={i} className="border-b border-zinc-100 dark:border-zinc-800/60">
                  <td colSpan={6} className="px-3 py-3">
                    <div className="h-4 animate-pulse rounded bg-zinc-200 dark:bg-zinc-800" />
                  </td>
                </tr>
              ))
            : data.markets.map((market) => (
                <MarketRow
                  key={market.symbol}
                  market={market}
                  selected={market.symbol === selected}
                  onSelect={onSelect}
                  href={linkPrefix === undefined ? undefined : `${linkPrefix}${market.symbol}`}
                />
              ))}
        </tbody>
      </table>
    </div>
  );
}

function MarketRow({
  market,
  selected,
  onSelect,
  href,
}: {
  market: MarketSummary;
  selected: boolean;
  onSelect?: (symbol: string) => void;
  href?: string;
}) {
  const { ticker } = market;
  const name = (
    <span className="font-medium">
      {market.base}
      <span className="text-zinc-400">/{market.quote}</span>
    </span>
  );
  return (
    <tr
      data-testid={`market-row-${market.symbol}`}
      aria-selected={onSelect ? selected : undefined}
      onClick={onSelect ? () => onSelect(market.symbol) : undefined}
      className={`border-b border-zinc-100 last:border-0 dark:border-zinc-800/60 ${
        onSelect || href ? "cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-800/40" : ""
      } ${selected ? "bg-emerald-50 dark:bg-emerald-950/30" : ""}`}
    >
      <td className="px-3 py-2.5">
        {href ? (
          <Link href={href} className="hover:underline">
            {name}
          </Link>
        ) : onSelect ? (
          <button type="button" className="text-left" aria-pressed={selected}>
            {name}
          </button>
        ) : (
          name
        )}
      </td>
      <td className="px-3 py-2.5 text-right" data-testid={`price-${market.symbol}`}>
        {market.stale && (
          <span
            className="mr-2 inline-block size-1.5 rounded-full bg-amber-500 align-middle sm:size-auto sm:rounded sm:bg-amber-100 sm:px-1.5 sm:py-0.5 sm:text-[10px] sm:font-medium sm:text-amber-800 sm:uppercase dark:sm:bg-amber-900/50 dark:sm:text-amber-200"
            title={`No fresh prices from ${market.source.name}`}
          >
            <span className="sr-only sm:not-sr-only">stale</span>
          </span>
        )}
        <LivePrice price={ticker.price} />
      </td>
      <td className="px-3 py-2.5 text-right">
        <PriceChange percent={ticker.changePercent24h} />
      </td>
      <td className="hidden px-3 py-2.5 text-right tabular-nums text-zinc-600 md:table-cell dark:text-zinc-400">
        {groupDigits(ticker.high24h)}
      </td>
      <td className="hidden px-3 py-2.5 text-right tabular-nums text-zinc-600 md:table-cell dark:text-zinc-400">
        {groupDigits(ticker.low24h)}
      </td>
      <td className="hidden px-3 py-2.5 text-right tabular-nums text-zinc-600 sm:table-cell dark:text-zinc-400">
        {groupDigits(ticker.volume24h)}
      </td>
    </tr>
  );
}
