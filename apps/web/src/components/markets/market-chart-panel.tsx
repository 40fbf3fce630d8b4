"use client";
import type { CandleInterval } from "@tradeboard/contracts";
import dynamic from "next/dynamic";
import { groupDigits } from "@/lib/format";
import { useLiveCandles, useMarkets } from "@/lib/realtime-hooks";
import { IntervalSwitch } from "./interval-switch";
import { PriceChange } from "./price-change";

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
}: {
  symbol: string;
  interval: CandleInterval;
  onIntervalChange: (interval: CandleInterval) => void;
}) {
  const markets = useMarkets();
  const market = markets.data?.markets.find((m) => m.symbol === symbol);
  const candles = useLiveCandles(symbol, interval);
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
        <div className="ml-auto">
          <IntervalSwitch value={interval} onChange={onIntervalChange} />
        </div>
      </header>
      <div className="p-2">
        {candles.error ? (
          <ChartPlaceholder text={candles.error.message} />
        ) : candles.data && market ? (
          <CandleChart candles={candles.data.candles} tickSize={market.tickSize} />
        ) : (
          <ChartPlaceholder text="Loading chart…" />
        )}
      </div>
    </section>
  );
}
