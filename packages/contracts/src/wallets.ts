import { z } from "zod";
import { userResponse } from "./users.ts";

/** GET /api/siwe/nonce */
export const siweNonceResponse = z.object({ nonce: z.string() });
export type SiweNonceResponse = z.infer<typeof siweNonceResponse>;

/** A signed Sign-In with Ethereum (EIP-4361) message, as the wallet produced it. */
export const siweMessageBody = z.strictObject({
  message: z.string({ error: "message is required" }).min(1, "message is required").max(4096, "message is too long"),
  signature: z
    .string({ error: "signature is required" })
    .max(4096, "signature is too long")
    .regex(/^0x(?:[0-9a-fA-F]{2})+$/, "signature must be 0x-prefixed hex"),
});
export type SiweMessageBody = z.infer<typeof siweMessageBody>;

/** POST /api/internal/auth/siwe — the signed message and the client address as the web app saw it (for throttling). */
export const siweSignInBody = siweMessageBody.extend({ ip: z.string().max(100).optional() });
export type SiweSignInBody = z.infer<typeof siweSignInBody>;

/** POST /api/internal/auth/siwe — the web app's `siwe` Credentials provider, with the service key. */
export const siweSignInResponse = z.object({ user: userResponse, created: z.boolean() });
export type SiweSignInResponse = z.infer<typeof siweSignInResponse>;

export const walletResponse = z.object({
  /** EIP-55 checksummed. */
  address: z.string(),
  chainId: z.number().int(),
  linkedAt: z.iso.datetime(),
  /** Read from the chain when an RPC URL is configured for it; a decimal string in whole coins. */
  nativeBalance: z.object({ amount: z.string(), symbol: z.string() }).nullable(),
});
export type WalletResponse = z.infer<typeof walletResponse>;

/** GET /api/users/me/wallets */
export const listWalletsResponse = z.object({ wallets: z.array(walletResponse) });
export type ListWalletsResponse = z.infer<typeof listWalletsResponse>;

export const walletAddressParams = z.strictObject({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "address must be a 0x-prefixed 20-byte hex address"),
});

/**
 * WALLET_CHAIN_IDS (both apps): the chains wallets may sign in on, e.g. "1,8453".
 * Development and test also allow the local chain 31337 (Anvil, Hardhat).
 */
export const LOCAL_CHAIN_ID = 31337;
export function walletChainIds(nodeEnv: string | undefined) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const fallback = nodeEnv === "production" ? "1" : `1,${LOCAL_CHAIN_ID}`;
      const ids = (value?.trim() || fallback).split(",").map((s) => Number(s.trim()));
      if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
        ctx.addIssue({ code: "custom", message: "must be a comma-separated list of chain ids such as 1,8453" });
        return z.NEVER;
      }
      return [...new Set(ids)];
    });
}

/** WALLET_RPC_URLS (both apps): "chainId=url" pairs, comma-separated, e.g. "1=https://rpc.example/key". */
export const walletRpcUrls = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const urls: Record<number, string> = {};
    for (const pair of (value ?? "").split(",").map((s) => s.trim())) {
      if (!pair) continue;
      const at = pair.indexOf("=");
      const id = Number(pair.slice(0, at));
      const url = pair.slice(at + 1);
      if (
        at <= 0 ||
        !Number.isSafeInteger(id) ||
        id <= 0 ||
        !URL.canParse(url) ||
        !/^(https?|wss?):$/.test(new URL(url).protocol)
      ) {
        ctx.addIssue({ code: "custom", message: `"${pair}" is not chainId=URL (e.g. 1=https://rpc.example)` });
        return z.NEVER;
      }
      urls[id] = url;
    }
    return urls;
  });
