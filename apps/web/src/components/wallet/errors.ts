import { UserRejectedRequestError } from "viem";

/** Wallet errors in words: a refusal in the wallet is the user's choice, not a failure. */
export function walletErrorMessage(error: unknown): string {
  const walk = (e: unknown): boolean =>
    e instanceof UserRejectedRequestError ||
    (typeof e === "object" &&
      e !== null &&
      ((e as { code?: unknown }).code === 4001 || walk((e as { cause?: unknown }).cause)));
  if (walk(error)) return "The request was rejected in the wallet.";
  if (error instanceof Error && /provider not found|no provider/i.test(error.message)) {
    return "No wallet found in this browser.";
  }
  return "The wallet did not answer as expected. Try again, or choose another wallet.";
}
