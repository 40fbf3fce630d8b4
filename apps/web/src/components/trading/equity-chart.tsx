"use client";
import { AreaSeries, ColorType, createChart, type UTCTimestamp } from "lightweight-charts";
import { useTheme } from "next-themes";
import { useEffect, useRef } from "react";

/** The account's equity over time. */
export function EquityChart({ points }: { points: readonly { time: number; equity: string }[] }) {
  const container = useRef<HTMLDivElement>(null);
  const { resolvedTheme } = useTheme();
  useEffect(() => {
    if (!container.current) return;
    const dark = resolvedTheme === "dark";
    const chart = createChart(container.current, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: "transparent" }, textColor: dark ? "#a1a1aa" : "#3f3f46" },
      grid: { vertLines: { visible: false }, horzLines: { color: dark ? "#27272a" : "#f4f4f5" } },
      timeScale: { timeVisible: true },
    });
    const series = chart.addSeries(AreaSeries, {
      lineColor: "#10b981",
      topColor: "rgba(16,185,129,0.3)",
      bottomColor: "rgba(16,185,129,0)",
      priceFormat: { type: "price", precision: 2, minMove: 0.01 },
    });
    // Numbers only at the chart's edge; one point per second at most.
    const seen = new Set<number>();
    series.setData(
      points
        .map((p) => ({ time: Math.floor(p.time / 1000) as UTCTimestamp, value: Number(p.equity) }))
        .filter((p) => !seen.has(p.time) && seen.add(p.time)),
    );
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [points, resolvedTheme]);
  return <div ref={container} className="h-56 w-full" data-testid="equity-chart" data-points={points.length} />;
}
