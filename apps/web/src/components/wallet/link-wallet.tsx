"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { SIWE_LINK_STATEMENT, type WalletResponse } from "@tradeboard/contracts";
import { ApiError, apiRequest } from "@/lib/api";
import type { WalletSettings } from "@/lib/wallet/config";
import { WALLETS_KEY } from "@/lib/wallet/hooks";
import { ConnectDialog } from "./connect-dialog";
import { walletErrorMessage } from "./errors";
import { useSiwe } from "./use-siwe";
import { WalletProvider } from "./wallet-provider";

function LinkWalletButton({ settings }: { settings: WalletSettings }) {
  const siwe = useSiwe(settings, SIWE_LINK_STATEMENT);
  const queryClient = useQueryClient();
  const link = useMutation({
    mutationFn: async () => {
      const signed = await siwe.run();
      if (!signed) return null;
      return apiRequest<{ wallet: WalletResponse }>("/api/users/me/wallets", {
        method: "POST",
        body: { message: signed.message, signature: signed.signature },
      });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: WALLETS_KEY }),
  });
  return (
    <div className="space-y-2">
      <button
        type="button"
        onClick={() => link.mutate()}
        disabled={link.isPending}
        className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-emerald-500 disabled:cursor-wait disabled:opacity-60"
      >
        {link.isPending ? "Check your wallet…" : "Link a wallet"}
      </button>
      {link.error && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {link.error instanceof ApiError ? link.error.message : walletErrorMessage(link.error)}
        </p>
      )}
      <ConnectDialog {...siwe.dialog} />
    </div>
  );
}

export default function LinkWallet({ settings }: { settings: WalletSettings }) {
  return (
    <WalletProvider settings={settings}>
      <LinkWalletButton settings={settings} />
    </WalletProvider>
  );
}
