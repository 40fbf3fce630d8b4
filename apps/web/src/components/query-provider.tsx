"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { ApiError } from "@/lib/api";

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A 4xx will not change by asking again; an unavailable backend might.
        retry: (failures, error) =>
          error instanceof ApiError && error.status >= 400 && error.status < 500 ? false : failures < 3,
      },
    },
  });
}

/** The tab's one query cache; on the server a new one per render (never shared between people). */
let browserClient: QueryClient | undefined;
function queryClient(): QueryClient {
  if (typeof window === "undefined") return makeQueryClient();
  browserClient ??= makeQueryClient();
  return browserClient;
}

/**
 * React Query, for the parts that use it: each page (or header part) that reads
 * through queries wraps itself in this, and all of them share the tab's one cache,
 * as one provider in the root layout did. Pages that only display (the landing
 * page) do not carry React Query.
 */
export function QueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(queryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
