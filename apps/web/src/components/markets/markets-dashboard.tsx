"use client";
import type { CandleInterval } from "@tradeboard/contracts";
import { usePathname, useRouter } from "next/navigation";
import { Card } from "@/components/ui/card";
import { MarketChartPanel } from "./market-chart-panel";
import { MarketsTable } from "./markets-table";

/** The dashboard (signed in): the chart of the selected market above the live markets table; the selection lives in the URL. */
export function MarketsDashboard({ symbol, interval }: { symbol: string; interval: CandleInterval }) {
  const router = useRouter();
  const pathname = usePathname();
  const go = (next: { symbol?: string; interval?: CandleInterval }) => {
    const params = new URLSearchParams({ symbol: next.symbol ?? symbol, interval: next.interval ?? interval });
    router.replace(`${pathname}?${params}`, { scroll: false });
  };
  return (
    <div className="space-y-6">
      <MarketChartPanel signedIn symbol={symbol} interval={interval} onIntervalChange={(i) => go({ interval: i })} />
      <Card title="Markets">
        <MarketsTable selected={symbol} onSelect={(s) => go({ symbol: s })} />
      </Card>
    </div>
  );
}
