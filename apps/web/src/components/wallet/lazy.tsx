"use client";
import dynamic from "next/dynamic";

/**
 * The wallet code (wagmi, viem, WalletConnect) is fetched only when one of these
 * renders, so no page's first-load JavaScript carries it.
 */
export const SiweSignIn = dynamic(() => import("./siwe-sign-in"), {
  ssr: false,
  loading: () => (
    <button
      type="button"
      disabled
      className="w-full rounded-md border border-zinc-300 px-4 py-2 text-sm font-medium opacity-60 dark:border-zinc-700"
    >
      Sign in with Ethereum
    </button>
  ),
});

export const LinkWallet = dynamic(() => import("./link-wallet"), {
  ssr: false,
  loading: () => (
    <button
      type="button"
      disabled
      className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm font-medium text-white opacity-60"
    >
      Link a wallet
    </button>
  ),
});
