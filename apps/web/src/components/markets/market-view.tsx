"use client";
import type { CandleInterval } from "@tradeboard/contracts";
import { usePathname, useRouter } from "next/navigation";
import { MarketChartPanel } from "./market-chart-panel";

/** One market's chart, with the interval in the URL. */
export function MarketView({ symbol, interval }: { symbol: string; interval: CandleInterval }) {
  const router = useRouter();
  const pathname = usePathname();
  return (
    <MarketChartPanel
      symbol={symbol}
      interval={interval}
      onIntervalChange={(next) => router.replace(`${pathname}?interval=${next}`, { scroll: false })}
    />
  );
}
