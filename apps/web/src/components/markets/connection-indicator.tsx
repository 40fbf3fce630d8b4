"use client";
import { useConnectionStatus } from "@/lib/live-markets";

const LOOK = {
  idle: null,
  connecting: { label: "Connecting…", dot: "bg-zinc-400 animate-pulse" },
  live: { label: "Live", dot: "bg-emerald-500" },
  reconnecting: { label: "Reconnecting…", dot: "bg-amber-500 animate-pulse" },
  offline: { label: "Offline", dot: "bg-red-500" },
} as const;

/** Live / reconnecting / offline, for the tab's realtime connection (hidden until a page uses it). */
export function ConnectionIndicator() {
  const status = useConnectionStatus();
  const look = LOOK[status];
  if (!look) return null;
  return (
    <span
      className="flex items-center gap-1.5 text-xs text-zinc-600 dark:text-zinc-400"
      data-testid="connection-status"
      data-status={status}
      title="Live price connection"
    >
      <span aria-hidden="true" className={`size-2 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
