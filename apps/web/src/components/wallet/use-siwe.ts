"use client";
import type { SiweNonceResponse } from "@tradeboard/contracts";
import { useState } from "react";
import { createSiweMessage } from "viem/siwe";
import { useConnection, useSignMessage, useSwitchChain } from "wagmi";
import { apiRequest } from "@/lib/api";
import type { WalletSettings } from "@/lib/wallet/config";

type Account = { address: `0x${string}`; chainId: number };

/** The api accepts a nonce for 5 minutes; the message says so too. */
const MESSAGE_LIFETIME_MS = 5 * 60_000;

/**
 * Connect (through the dialog when no wallet is connected yet), then sign a
 * Sign-In with Ethereum message for this site with a nonce from the api.
 * `run` resolves with the message and signature, or null when the user closed
 * the dialog.
 */
export function useSiwe(settings: WalletSettings, statement: string) {
  const connection = useConnection();
  const signMessage = useSignMessage();
  const switchChain = useSwitchChain();
  const [dialogOpen, setDialogOpen] = useState(false);
  const [pending, setPending] = useState<((account: Account | null) => void) | null>(null);

  function connected(): Promise<Account | null> {
    if (connection.status === "connected" && connection.address) {
      return Promise.resolve({ address: connection.address, chainId: connection.chainId });
    }
    return new Promise((resolve) => {
      setPending(() => resolve);
      setDialogOpen(true);
    });
  }

  async function run(): Promise<{ message: string; signature: `0x${string}`; address: string } | null> {
    const account = await connected();
    if (!account) return null;
    let chainId = account.chainId;
    const preferred = settings.chainIds[0];
    if (!settings.chainIds.includes(chainId) && preferred !== undefined) {
      chainId = (await switchChain.mutateAsync({ chainId: preferred })).id;
    }
    const { nonce } = await apiRequest<SiweNonceResponse>("/api/siwe/nonce");
    const now = Date.now();
    const message = createSiweMessage({
      address: account.address,
      chainId,
      domain: window.location.host,
      uri: window.location.origin,
      nonce,
      version: "1",
      statement,
      issuedAt: new Date(now),
      expirationTime: new Date(now + MESSAGE_LIFETIME_MS),
    });
    const signature = await signMessage.mutateAsync({ account: account.address, message });
    return { message, signature, address: account.address };
  }

  const dialog = {
    open: dialogOpen,
    onClose: () => {
      setDialogOpen(false);
      pending?.(null);
      setPending(null);
    },
    onConnected: (account: Account) => {
      setDialogOpen(false);
      pending?.(account);
      setPending(null);
    },
  };
  return { run, dialog };
}
