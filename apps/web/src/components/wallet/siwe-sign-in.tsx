"use client";
import { SIWE_SIGN_IN_STATEMENT } from "@tradeboard/contracts";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { ApiError } from "@/lib/api";
import { safeCallbackUrl } from "@/lib/safe-redirect";
import type { WalletSettings } from "@/lib/wallet/config";
import { ConnectDialog } from "./connect-dialog";
import { walletErrorMessage } from "./errors";
import { useSiwe } from "./use-siwe";
import { WalletProvider } from "./wallet-provider";

/** What the api's refusal codes (passed on by the `siwe` provider) mean to the user. */
const MESSAGES: Record<string, string> = {
  siwe_wrong_domain: "The wallet signed a message for another site. Try again from this page.",
  siwe_wrong_chain: "Your wallet is on a network Tradeboard does not accept. Switch networks and try again.",
  siwe_expired: "The sign-in message expired before it reached us. Please sign again.",
  siwe_nonce_used: "That sign-in message was already used. Please sign again.",
  siwe_bad_signature: "The signature does not match the wallet's address.",
  siwe_invalid_message: "The wallet returned a message we could not read.",
  siwe_wrong_statement: "The wallet signed a message meant for something else. Please sign again.",
  rate_limited: "Too many sign-in attempts from your network. Wait a minute, then try again.",
  backend_unavailable: "The trading service is unavailable right now. Please try again shortly.",
};

function SiweSignInButton({ settings, callbackUrl }: { settings: WalletSettings; callbackUrl: string }) {
  const siwe = useSiwe(settings, SIWE_SIGN_IN_STATEMENT);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setError(null);
    setBusy(true);
    try {
      const signed = await siwe.run();
      if (!signed) return setBusy(false);
      const result = await signIn("siwe", {
        message: signed.message,
        signature: signed.signature,
        redirect: false,
      });
      if (result?.error) {
        setError(MESSAGES[result.code ?? ""] ?? "Signing in with this wallet failed. Please try again.");
        return setBusy(false);
      }
      // Checked on the server already; checked again against the page's own origin before leaving.
      window.location.assign(safeCallbackUrl(callbackUrl, window.location.origin));
    } catch (cause) {
      setError(cause instanceof ApiError ? cause.message : walletErrorMessage(cause));
      setBusy(false);
    }
  }

  return (
    <div className="space-y-2">
      {error && (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <button
        type="button"
        onClick={start}
        disabled={busy}
        className="flex w-full items-center justify-center gap-2 rounded-md border border-zinc-300 bg-white px-4 py-2 text-sm font-medium hover:bg-zinc-50 disabled:cursor-wait disabled:opacity-60 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
      >
        <span aria-hidden="true">◆</span>
        {busy ? "Check your wallet…" : "Sign in with Ethereum"}
      </button>
      <ConnectDialog {...siwe.dialog} />
    </div>
  );
}

export default function SiweSignIn(props: { settings: WalletSettings; callbackUrl: string }) {
  return (
    <WalletProvider settings={props.settings}>
      <SiweSignInButton {...props} />
    </WalletProvider>
  );
}
