import "server-only";
import { serverEnv } from "@/env";
import type { WalletSettings } from "./config";

/** What the browser's wallet code needs from the server's configuration (no RPC URLs: they may carry keys). */
export function walletSettings(): WalletSettings {
  const env = serverEnv();
  return { chainIds: env.WALLET_CHAIN_IDS, walletConnectProjectId: env.WALLETCONNECT_PROJECT_ID ?? null };
}
