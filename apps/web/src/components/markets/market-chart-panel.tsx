"use client";
import type { CandleInterval } from "@tradeboard/contracts";
import dynamic from "next/dynamic";
import { useMemo, useState } from "react";
import { useAlerts } from "@/lib/alert-hooks";
import { groupDigits } from "@/lib/format";
import { useTicker } from "@/lib/live-markets";
import { staleText, venueText } from "@/lib/market-source";
import { useLiveCandles } from "@/lib/realtime-hooks";
import { IntervalSwitch } from "./interval-switch";
import { PriceChange } from "./price-change";

/** The alert form shows only after a click on a price level: its code loads then. */
const AlertForm = dynamic(() => import("@/components/alerts/alerts-view").then((m) => m.AlertForm), { ssr: false });
// The chart library touches the DOM and is big: load it in the browser only, on the pages that chart.
const CandleChart = dynamic(() => import("./candle-chart").then((m) => m.CandleChart), {
  ssr: false,
  loading: () => <ChartPlaceholder text="Loading chart…" />,
});

function ChartPlaceholder({ text }: { text: string }) {
  return <div className="grid h-[420px] place-items-center text-sm text-zinc-500">{text}</div>;
}

export function MarketChartPanel({
  symbol,
  interval,
  onIntervalChange,
  signedIn,
}: {
  symbol: string;
  interval: CandleInterval;
  onIntervalChange: (interval: CandleInterval) => void;
  /** From the page's session (the server's): alerts are shown and set only when signed in. */
  signedIn: boolean;
}) {
  const market = useTicker(symbol);
  const candles = useLiveCandles(symbol, interval);
  const alerts = useAlerts(signedIn);
  const [picked, setPicked] = useState<string | null>(null);
  const levels = useMemo(
    () =>
      (alerts.data?.alerts ?? [])
        .filter((a) => a.symbol === symbol && a.status === "active" && a.price)
        .map((a) => ({ price: a.price ?? "0", title: `alert ${a.condition}` })),
    [alerts.data, symbol],
  );
  return (
    <section className="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
        <h2 className="text-lg font-semibold" data-testid="chart-symbol">
          {market ? `${market.base}/${market.quote}` : symbol}
        </h2>
        {market && (
          <>
            <span className="text-lg tabular-nums" data-testid="chart-price">
              {groupDigits(market.ticker.price)}
            </span>
            <PriceChange percent={market.ticker.changePercent24h} />
          </>
        )}
        {market && (
          <span className="text-xs text-zinc-500" data-testid="chart-source">
            Prices from {market.source.name} · {venueText(market)}
          </span>
        )}
        <div className="ml-auto">
          <IntervalSwitch value={interval} onChange={onIntervalChange} />
        </div>
      </header>
      {market?.stale && (
        <p
          role="status"
          className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-200"
          data-testid="stale-notice"
        >
          Prices are stale: {staleText(market)}. Market orders are paused and no order or alert fires on these prices
          until fresh data arrives.
        </p>
      )}
      <div className="p-2">
        {candles.error ? (
          <ChartPlaceholder text={candles.error.message} />
        ) : candles.data && market ? (
          <CandleChart
            candles={candles.data.candles}
            tickSize={market.tickSize}
            levels={levels}
            onPickPrice={signedIn ? setPicked : undefined}
          />
        ) : (
          <ChartPlaceholder text="Loading chart…" />
        )}
      </div>
      {signedIn && (
        <p className="px-4 pb-3 text-xs text-zinc-500">Click a price level on the chart to set an alert there.</p>
      )}
      {picked && (
        <div className="border-t border-zinc-200 p-4 dark:border-zinc-800" data-testid="chart-alert">
          <div className="mb-2 flex items-center justify-between">
            <h3 className="text-sm font-medium">Alert at {picked}</h3>
            <button type="button" onClick={() => setPicked(null)} className="text-sm text-zinc-500 hover:underline">
              Close
            </button>
          </div>
          <AlertForm symbols={[symbol]} symbol={symbol} price={picked} />
        </div>
      )}
    </section>
  );
}
