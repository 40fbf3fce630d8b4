"use client";
import type { HealthResponse } from "@tradeboard/contracts";
import { useEffect } from "react";
import { apiRequest } from "@/lib/api";
import { useBackendAvailable } from "@/lib/backend-status";

/** A banner while the api is unreachable; it checks /api/health until the api is back. */
export function BackendNotice() {
  const available = useBackendAvailable();
  useEffect(() => {
    if (available) return;
    const timer = setInterval(() => {
      apiRequest<HealthResponse>("/api/health").catch(() => {});
    }, 5_000);
    return () => clearInterval(timer);
  }, [available]);
  if (available) return null;
  return (
    <div
      role="alert"
      className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
    >
      <strong>Backend unavailable.</strong> The trading service is not answering; we keep trying and will reconnect on
      our own.
    </div>
  );
}
