"use client";
import type { Candle } from "@tradeboard/contracts";
import {
  CandlestickSeries,
  ColorType,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  TickMarkType,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useTheme } from "next-themes";
import { useEffect, useRef } from "react";

const UP = "#10b981";
const DOWN = "#ef4444";

const THEMES = {
  light: { background: "#ffffff", text: "#3f3f46", grid: "#f4f4f5", border: "#e4e4e7" },
  dark: { background: "#18181b", text: "#a1a1aa", grid: "#27272a", border: "#3f3f46" },
} as const;

function themeOptions(theme: string | undefined) {
  const colors = THEMES[theme === "dark" ? "dark" : "light"];
  return {
    layout: { background: { type: ColorType.Solid, color: colors.background }, textColor: colors.text },
    grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
    rightPriceScale: { borderColor: colors.border },
    timeScale: { borderColor: colors.border },
  } as const;
}

// The library labels times in UTC; people read their own clock.
const TICK_FORMATS: Record<TickMarkType, Intl.DateTimeFormatOptions> = {
  [TickMarkType.Year]: { year: "numeric" },
  [TickMarkType.Month]: { month: "short" },
  [TickMarkType.DayOfMonth]: { day: "numeric", month: "short" },
  [TickMarkType.Time]: { hour: "2-digit", minute: "2-digit" },
  [TickMarkType.TimeWithSeconds]: { hour: "2-digit", minute: "2-digit", second: "2-digit" },
};
const toDate = (time: Time) => new Date((time as UTCTimestamp) * 1000);
const localTime = {
  tick: (time: Time, type: TickMarkType, locale: string) => {
    const date = toDate(time);
    // Day marks sit on UTC midnights: away from UTC they are an ordinary hour.
    const midnight = date.getHours() === 0 && date.getMinutes() === 0;
    const format = type === TickMarkType.DayOfMonth && !midnight ? TickMarkType.Time : type;
    return date.toLocaleString(locale, TICK_FORMATS[format]);
  },
  crosshair: (time: Time) => toDate(time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
};

// The chart library draws with numbers; amounts stay decimal strings everywhere else.
const toBar = (c: Candle) => ({
  time: (c.time / 1000) as UTCTimestamp,
  open: Number(c.open),
  high: Number(c.high),
  low: Number(c.low),
  close: Number(c.close),
});
const toVolume = (c: Candle) => ({
  time: (c.time / 1000) as UTCTimestamp,
  value: Number(c.volume),
  color: Number(c.close) >= Number(c.open) ? `${UP}66` : `${DOWN}66`,
});

/** Candlesticks with volume; follows the theme, resizes with its box, updates the forming candle in place. */
export function CandleChart({
  candles,
  tickSize,
  levels = [],
  onPickPrice,
}: {
  candles: readonly Candle[];
  tickSize: string;
  /** Horizontal lines, e.g. the user's alert levels. */
  levels?: readonly { price: string; title: string }[];
  /** Called with the price level the user clicked. */
  onPickPrice?: (price: string) => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<{ price: ISeriesApi<"Candlestick">; volume: ISeriesApi<"Histogram"> } | null>(null);
  const shown = useRef<{ first: number; count: number } | null>(null);
  const { resolvedTheme } = useTheme();
  const theme = useRef(resolvedTheme);
  const pick = useRef(onPickPrice);
  pick.current = onPickPrice;

  useEffect(() => {
    if (!container.current) return;
    const places = tickSize.includes(".") ? (tickSize.split(".")[1]?.length ?? 0) : 0;
    const instance = createChart(container.current, {
      autoSize: true,
      timeScale: { timeVisible: true, secondsVisible: false, tickMarkFormatter: localTime.tick },
      localization: { timeFormatter: localTime.crosshair },
      crosshair: { mode: 1 },
    });
    instance.applyOptions(themeOptions(theme.current));
    const price = instance.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      wickUpColor: UP,
      wickDownColor: DOWN,
      borderVisible: false,
      priceFormat: { type: "price", precision: places, minMove: Number(tickSize) },
    });
    price.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.28 } });
    // An overlay under the candles: its values must not label the price axis.
    const volume = instance.addSeries(HistogramSeries, {
      priceFormat: { type: "volume" },
      priceScaleId: "",
      lastValueVisible: false,
      priceLineVisible: false,
    });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    instance.subscribeClick((param) => {
      if (!param.point || !pick.current) return;
      const value = price.coordinateToPrice(param.point.y);
      if (value !== null) pick.current(Number(value).toFixed(places));
    });
    chart.current = instance;
    series.current = { price, volume };
    shown.current = null;
    return () => {
      instance.remove();
      chart.current = null;
      series.current = null;
    };
  }, [tickSize]);

  useEffect(() => {
    theme.current = resolvedTheme;
    chart.current?.applyOptions(themeOptions(resolvedTheme));
  }, [resolvedTheme]);

  useEffect(() => {
    const s = series.current;
    const last = candles.at(-1);
    if (!s || !last) return;
    const first = candles[0]?.time ?? 0;
    const previous = shown.current;
    // The same history with its last candle moved or one appended: update in place.
    if (
      previous &&
      previous.first === first &&
      (candles.length === previous.count || candles.length === previous.count + 1)
    ) {
      s.price.update(toBar(last));
      s.volume.update(toVolume(last));
    } else {
      s.price.setData(candles.map(toBar));
      s.volume.setData(candles.map(toVolume));
      chart.current?.timeScale().scrollToRealTime();
    }
    shown.current = { first, count: candles.length };
  }, [candles]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    const lines = levels.map((level) =>
      s.price.createPriceLine({
        price: Number(level.price),
        color: "#f59e0b",
        lineWidth: 1,
        lineStyle: 2,
        axisLabelVisible: true,
        title: level.title,
      }),
    );
    return () => {
      for (const line of lines) s.price.removePriceLine(line);
    };
  }, [levels]);

  return (
    <div
      ref={container}
      className="h-[420px] w-full"
      data-testid="candle-chart"
      data-candles={candles.length}
      data-levels={levels.length}
    />
  );
}
