"use client";
import { useEffect, useRef } from "react";
import { type Connector, useConnect, useConnectors } from "wagmi";
import { walletErrorMessage } from "./errors";

/** Wallets to offer: the ones that announced themselves (EIP-6963), else the generic browser wallet, and WalletConnect. */
function offered(connectors: readonly Connector[]): Connector[] {
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  return connectors.filter((c) => c.type !== "injected" || announced.length === 0 || c.id !== "injected");
}

/**
 * The wallet dialog: pick a wallet, approve the connection in it. Resolves
 * through `onConnected` with the address and chain the wallet chose.
 */
export function ConnectDialog({
  open,
  onClose,
  onConnected,
}: {
  open: boolean;
  onClose: () => void;
  onConnected: (account: { address: `0x${string}`; chainId: number }) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const connectors = offered(useConnectors());
  const connect = useConnect();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  async function choose(connector: Connector) {
    try {
      const result = await connect.mutateAsync({ connector });
      const address = result.accounts[0];
      if (address) onConnected({ address, chainId: result.chainId });
    } catch {
      // Shown below from connect.error.
    }
  }

  return (
    <dialog
      ref={dialog}
      onClose={onClose}
      aria-labelledby="connect-wallet-title"
      className="m-auto w-full max-w-sm rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <div className="flex items-center justify-between border-b border-zinc-200 px-5 py-3 dark:border-zinc-800">
        <h2 id="connect-wallet-title" className="font-semibold">
          Connect a wallet
        </h2>
        <button
          type="button"
          onClick={onClose}
          aria-label="Close"
          className="rounded p-1 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 dark:hover:bg-zinc-800 dark:hover:text-white"
        >
          ✕
        </button>
      </div>
      <div className="space-y-2 p-5">
        {connectors.length === 0 && (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No wallet found in this browser.</p>
        )}
        {connectors.map((connector) => {
          const pending = connect.isPending && connect.variables?.connector === connector;
          return (
            <button
              key={connector.uid}
              type="button"
              disabled={connect.isPending}
              onClick={() => choose(connector)}
              className="flex w-full items-center gap-3 rounded-lg border border-zinc-200 px-3 py-2.5 text-left text-sm font-medium hover:border-emerald-500 hover:bg-emerald-50 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-emerald-950"
            >
              {connector.icon ? (
                // biome-ignore lint/performance/noImgElement: wallet icons are data URIs the wallet announced
                <img src={connector.icon} alt="" className="size-7 rounded" />
              ) : (
                <span
                  aria-hidden="true"
                  className="grid size-7 place-items-center rounded bg-zinc-200 text-xs dark:bg-zinc-700"
                >
                  {connector.type === "walletConnect" ? "WC" : "◆"}
                </span>
              )}
              <span className="flex-1">{connector.id === "injected" ? "Browser wallet" : connector.name}</span>
              {pending && <span className="text-xs text-zinc-500">Approve in your wallet…</span>}
            </button>
          );
        })}
        {connect.error && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {walletErrorMessage(connect.error)}
          </p>
        )}
        <p className="pt-1 text-xs text-zinc-500">
          New to wallets? Install one such as MetaMask, or keep using your email and password.
        </p>
      </div>
    </dialog>
  );
}
