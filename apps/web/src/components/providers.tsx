"use client";
import { ThemeProvider } from "next-themes";
import type { ReactNode } from "react";

/**
 * What every page has: the theme. The rest sits where it is used, so that a page
 * carries only what it needs: React Query around the parts that read through queries
 * (components/query-provider.tsx, one cache for the tab), Auth.js's session provider
 * around the signed-in listener (components/trading/user-events.tsx), and the wallet
 * provider (wagmi + viem, components/wallet/wallet-provider.tsx) only where a wallet
 * component renders (login and settings), loaded on demand.
 */
export function Providers({ children }: { children: ReactNode }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      {children}
    </ThemeProvider>
  );
}
