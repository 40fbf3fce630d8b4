"use client";
import { useConnectionStatus, useKnownMarkets } from "@/lib/live-markets";
import { feedTrouble } from "@/lib/market-source";

const LOOK = {
  idle: null,
  connecting: { label: "Connecting…", dot: "bg-zinc-400 animate-pulse" },
  live: { label: "Live", dot: "bg-emerald-500" },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-500 animate-pulse" },
  offline: { label: "Offline", dot: "bg-red-500" },
} as const;

/**
 * The tab's realtime connection and where prices come from ("Live · Coinbase"),
 * amber when a market is stale and red when the venue is unreachable (hidden
 * until a page uses the realtime connection).
 */
export function ConnectionIndicator() {
  const status = useConnectionStatus();
  const markets = useKnownMarkets(status !== "idle");
  const look = LOOK[status];
  if (!look) return null;
  const feed = markets.data?.feed;
  const stale = markets.data?.markets.filter((m) => m.stale) ?? [];
  const trouble = feedTrouble(feed);
  let dot: string = look.dot;
  let label: string = look.label;
  let title = "Live price connection";
  if (feed && status === "live") {
    label = `${look.label} · ${feed.source}`;
    title = `Prices from ${feed.source}`;
    if (trouble) {
      dot = "bg-red-500";
      label = `${feed.source} unreachable`;
      title = trouble;
    } else if (stale.length > 0) {
      dot = "bg-amber-500";
      label = `${feed.source} · ${stale.length === markets.data?.markets.length ? "stale" : `${stale.length} stale`}`;
      title = `No fresh prices for ${stale.map((m) => m.symbol).join(", ")}`;
    }
  }
  return (
    <span
      className="flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
      data-testid="connection-status"
      data-status={status}
      data-source={feed?.kind}
      data-stale={stale.length > 0 ? "true" : "false"}
      title={title}
    >
      <span aria-hidden="true" className={`size-2 shrink-0 rounded-full ${dot}`} />
      {label}
    </span>
  );
}
