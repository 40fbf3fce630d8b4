import { SIWE_SIGN_IN_STATEMENT } from "@tradeboard/contracts";
import type { Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";

export type SiweFields = Partial<Parameters<typeof createSiweMessage>[0]>;

/**
 * What a wallet does for "Sign in with Ethereum": an EIP-4361 message for the
 * site at `origin` with the api's nonce, valid for five minutes, signed by the
 * account. `overrides` bends any field (another domain, an old issued-at, …).
 */
export async function signSiwe(
  wallet: PrivateKeyAccount,
  params: { origin: string; nonce: string },
  overrides: SiweFields = {},
): Promise<{ message: string; signature: Hex }> {
  const message = createSiweMessage({
    address: wallet.address,
    chainId: 1,
    domain: new URL(params.origin).host,
    uri: params.origin,
    nonce: params.nonce,
    version: "1",
    statement: SIWE_SIGN_IN_STATEMENT,
    issuedAt: new Date(),
    expirationTime: new Date(Date.now() + 5 * 60_000),
    ...overrides,
  });
  return { message, signature: await wallet.signMessage({ message }) };
}
