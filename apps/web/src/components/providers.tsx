"use client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { Session } from "next-auth";
import { SessionProvider } from "next-auth/react";
import { ThemeProvider } from "next-themes";
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

/**
 * The provider stack: session, then data, then theme. The wallet provider
 * (wagmi + viem, components/wallet/wallet-provider.tsx) sits inside the data
 * provider, sharing its query client, but only where a wallet component renders
 * (login and settings), loaded on demand so no other page carries it.
 */
export function Providers({ session, children }: { session: Session | null; children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  return (
    <SessionProvider session={session}>
      <QueryClientProvider client={queryClient}>
        <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
          {children}
        </ThemeProvider>
      </QueryClientProvider>
    </SessionProvider>
  );
}
