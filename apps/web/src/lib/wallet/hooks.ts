"use client";
import { useQuery } from "@tanstack/react-query";
import type { ListWalletsResponse } from "@tradeboard/contracts";
import { apiRequest } from "@/lib/api";

export const WALLETS_KEY = ["wallets"] as const;

/** The wallets linked to the signed-in account (no wallet code: the api answers from the database and the chain). */
export function useLinkedWallets(enabled = true) {
  return useQuery({
    queryKey: WALLETS_KEY,
    queryFn: ({ signal }) => apiRequest<ListWalletsResponse>("/api/users/me/wallets", { signal }),
    staleTime: 60_000,
    enabled,
  });
}

const CHAIN_NAMES: Record<number, string> = {
  1: "Ethereum",
  10: "OP Mainnet",
  137: "Polygon",
  8453: "Base",
  42161: "Arbitrum One",
  84532: "Base Sepolia",
  11155111: "Sepolia",
  31337: "Local chain",
};

export function chainName(chainId: number): string {
  return CHAIN_NAMES[chainId] ?? `Chain ${chainId}`;
}
