"use client";
import { CANDLE_INTERVALS, type CandleInterval } from "@tradeboard/core";

export function IntervalSwitch({
  value,
  onChange,
}: {
  value: CandleInterval;
  onChange: (interval: CandleInterval) => void;
}) {
  return (
    <fieldset aria-label="Candle interval" className="flex gap-1">
      {CANDLE_INTERVALS.map((interval) => (
        <button
          key={interval}
          type="button"
          aria-pressed={interval === value}
          onClick={() => onChange(interval)}
          className={`rounded-md px-2 py-1 text-xs font-medium tabular-nums ${
            interval === value
              ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900"
              : "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800"
          }`}
        >
          {interval}
        </button>
      ))}
    </fieldset>
  );
}
