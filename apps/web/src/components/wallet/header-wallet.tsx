"use client";
import { shortAddress } from "@tradeboard/contracts";
import Link from "next/link";
import { QueryProvider } from "@/components/query-provider";
import { truncateDecimals } from "@/lib/format";
import { useLinkedWallets } from "@/lib/wallet/hooks";

/** The header's wallet: the first linked address, shortened, and its native balance when the api can read it. */
export function HeaderWallet() {
  return (
    <QueryProvider>
      <WalletChip />
    </QueryProvider>
  );
}

function WalletChip() {
  const wallets = useLinkedWallets();
  const wallet = wallets.data?.wallets[0];
  if (!wallet) return null;
  return (
    <Link
      href="/settings"
      title={wallet.address}
      data-testid="header-wallet"
      className="hidden items-center gap-1.5 rounded-full border border-zinc-200 px-2.5 py-1 font-mono text-xs text-zinc-700 hover:border-emerald-500 md:flex dark:border-zinc-700 dark:text-zinc-300"
    >
      <span aria-hidden="true" className="size-1.5 rounded-full bg-emerald-500" />
      {shortAddress(wallet.address)}
      {wallet.nativeBalance && (
        <span className="text-zinc-500">
          · {truncateDecimals(wallet.nativeBalance.amount, 4)} {wallet.nativeBalance.symbol}
        </span>
      )}
    </Link>
  );
}
