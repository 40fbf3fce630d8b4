"use client";
import { type ReactNode, useState } from "react";
import { WagmiProvider } from "wagmi";
import { QueryProvider } from "@/components/query-provider";
import { createWalletConfig, type WalletSettings } from "@/lib/wallet/config";

/**
 * wagmi inside the app's React Query provider (it shares the tab's query
 * cache). Rendered only by the wallet components, which the pages that use
 * them load on demand: no other page carries this code.
 */
export function WalletProvider({ settings, children }: { settings: WalletSettings; children: ReactNode }) {
  const [config] = useState(() => createWalletConfig(settings));
  return (
    <QueryProvider>
      <WagmiProvider config={config}>{children}</WagmiProvider>
    </QueryProvider>
  );
}
