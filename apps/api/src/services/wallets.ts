import { type SiweMessageBody, shortAddress, type WalletResponse } from "@tradeboard/contracts";
import {
  type Db,
  deleteWalletKeepingSignIn,
  findUserByWallet,
  insertWallet,
  isUniqueViolation,
  listWallets,
  type UserRow,
} from "@tradeboard/db";
import { getAddress, isAddress } from "viem";
import { AppError } from "../errors.ts";
import type { SiweService } from "./siwe.ts";
import { openAccount } from "./users.ts";

export interface WalletsDeps {
  db: Db;
  siwe: SiweService;
  initialBalance: string;
}

/**
 * Sign-In with Ethereum: a verified address signs in to the account it is
 * linked to, or opens a new account with the starting paper balance (the
 * account, the wallet and the first ledger entry in one transaction).
 */
export async function signInWithEthereum(
  deps: WalletsDeps,
  body: SiweMessageBody,
): Promise<{ user: UserRow; created: boolean }> {
  const { address, chainId } = await deps.siwe.verify(body, "sign_in");
  const existing = await findUserByWallet(deps.db, address);
  if (existing) return { user: existing, created: false };
  try {
    const user = await deps.db.transaction(async (tx) => {
      const user = await openAccount(tx, {
        user: { email: null, name: shortAddress(address), passwordHash: null },
        initialBalance: deps.initialBalance,
      });
      await insertWallet(tx, { address, userId: user.id, chainId });
      return user;
    });
    return { user, created: true };
  } catch (error) {
    // The same address signed in twice at once with two messages: the other request opened the account.
    if (isUniqueViolation(error)) {
      const winner = await findUserByWallet(deps.db, address);
      if (winner) return { user: winner, created: false };
    }
    throw error;
  }
}

/** Links a wallet to a signed-in account after it proves the key by signing a message. */
export async function linkWallet(
  deps: WalletsDeps,
  user: UserRow,
  body: SiweMessageBody,
): Promise<{ wallet: WalletResponse; created: boolean }> {
  const { address, chainId } = await deps.siwe.verify(body, "link");
  const owner = await findUserByWallet(deps.db, address);
  if (owner && owner.id !== user.id) throw walletTaken(address);
  if (!owner) {
    try {
      await insertWallet(deps.db, { address, userId: user.id, chainId });
    } catch (error) {
      if (isUniqueViolation(error)) throw walletTaken(address);
      throw error;
    }
  }
  const wallets = await listUserWallets(deps, user.id);
  const wallet = wallets.find((w) => w.address === address);
  if (!wallet) throw new Error("linked wallet not found after insert");
  return { wallet, created: !owner };
}

function walletTaken(address: string): AppError {
  return new AppError(
    "wallet_taken",
    `${shortAddress(address)} already signs in to another Tradeboard account. Unlink it there first.`,
  );
}

export async function listUserWallets(
  deps: Pick<WalletsDeps, "db" | "siwe">,
  userId: string,
): Promise<WalletResponse[]> {
  const rows = await listWallets(deps.db, userId);
  return Promise.all(
    rows.map(async (row) => ({
      address: row.address,
      chainId: row.chainId,
      linkedAt: row.createdAt.toISOString(),
      nativeBalance: await deps.siwe.nativeBalance(row.address, row.chainId),
    })),
  );
}

export async function unlinkWallet(deps: Pick<WalletsDeps, "db">, user: UserRow, rawAddress: string): Promise<void> {
  const address = isAddress(rawAddress, { strict: false }) ? getAddress(rawAddress) : rawAddress;
  const result = await deleteWalletKeepingSignIn(deps.db, { userId: user.id, address });
  if (result === "not_found") throw new AppError("not_found", "No such wallet is linked to your account.");
  if (result === "last_sign_in_method") {
    throw new AppError(
      "last_sign_in_method",
      "This wallet is the only way to sign in to this account; link another wallet before unlinking it.",
    );
  }
}
