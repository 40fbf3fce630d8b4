"use client";
import type { CandleInterval } from "@tradeboard/contracts";
import { usePathname, useRouter } from "next/navigation";
import { MarketChartPanel } from "./market-chart-panel";

/** One market's chart, with the interval in the URL. */
export function MarketView({
  symbol,
  interval,
  signedIn,
}: {
  symbol: string;
  interval: CandleInterval;
  signedIn: boolean;
}) {
  const router = useRouter();
  const pathname = usePathname();
  return (
    <MarketChartPanel
      symbol={symbol}
      signedIn={signedIn}
      interval={interval}
      onIntervalChange={(next) => router.replace(`${pathname}?interval=${next}`, { scroll: false })}
    />
  );
}
