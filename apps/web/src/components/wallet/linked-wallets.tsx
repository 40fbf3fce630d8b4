"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiRequest } from "@/lib/api";
import type { WalletSettings } from "@/lib/wallet/config";
import { chainName, useLinkedWallets, WALLETS_KEY } from "@/lib/wallet/hooks";
import { LinkWallet } from "./lazy";

/** Settings: the wallets that sign in to this account; link one (wallet code loads on demand) or unlink. */
export function LinkedWallets({ settings }: { settings: WalletSettings }) {
  const wallets = useLinkedWallets();
  const queryClient = useQueryClient();
  const unlink = useMutation({
    mutationFn: (address: string) => apiRequest<unknown>(`/api/users/me/wallets/${address}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: WALLETS_KEY }),
  });
  const list = wallets.data?.wallets ?? [];
  return (
    <div className="space-y-3 text-sm">
      <div>
        <h2 className="font-medium">Wallets</h2>
        <p className="mt-1 text-xs text-zinc-500">
          A linked Ethereum wallet signs in to this account with “Sign in with Ethereum”. Linking asks the wallet to
          sign a message; it costs nothing and sends no transaction.
        </p>
      </div>
      {wallets.isPending ? (
        <p className="text-xs text-zinc-500">Loading…</p>
      ) : wallets.error ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {wallets.error.message}
        </p>
      ) : list.length === 0 ? (
        <p className="text-xs text-zinc-500" data-testid="no-wallets">
          No wallet linked yet.
        </p>
      ) : (
        <ul className="divide-y divide-zinc-200 rounded-md border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
          {list.map((wallet) => (
            <li key={wallet.address} className="flex items-center gap-3 px-3 py-2" data-testid="linked-wallet">
              <div className="min-w-0 flex-1">
                <p className="truncate font-mono text-xs" title={wallet.address}>
                  {wallet.address}
                </p>
                <p className="text-xs text-zinc-500">
                  {chainName(wallet.chainId)}
                  {wallet.nativeBalance && ` · ${wallet.nativeBalance.amount} ${wallet.nativeBalance.symbol}`} · linked{" "}
                  {new Date(wallet.linkedAt).toLocaleDateString()}
                </p>
              </div>
              <button
                type="button"
                disabled={unlink.isPending}
                onClick={() => {
                  if (window.confirm(`Unlink ${wallet.address}? It will no longer sign in to this account.`)) {
                    unlink.mutate(wallet.address);
                  }
                }}
                className="rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-800"
              >
                Unlink
              </button>
            </li>
          ))}
        </ul>
      )}
      {unlink.error && (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {unlink.error instanceof ApiError ? unlink.error.message : "Unlinking failed. Please try again."}
        </p>
      )}
      <LinkWallet settings={settings} />
    </div>
  );
}
