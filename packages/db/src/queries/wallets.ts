import { and, asc, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client.ts";
import {
  oauthAccounts,
  type SiweNonceRow,
  siweNonces,
  type UserRow,
  users,
  type WalletRow,
  wallets,
} from "../schema.ts";

/** Stores a new nonce, and drops the ones that can no longer be used. */
export async function insertSiweNonce(db: Db, params: { nonce: string; expiresAt: Date; now: Date }): Promise<void> {
  await db.delete(siweNonces).where(or(lt(siweNonces.expiresAt, params.now), lt(siweNonces.usedAt, params.now)));
  await db.insert(siweNonces).values({ nonce: params.nonce, expiresAt: params.expiresAt });
}

/**
 * Marks a nonce used, once: true only for the first caller, and only while it
 * has not expired. Concurrent callers race on one UPDATE; exactly one wins.
 */
export async function consumeSiweNonce(db: Db, params: { nonce: string; now: Date }): Promise<boolean> {
  const rows = await db
    .update(siweNonces)
    .set({ usedAt: params.now })
    .where(and(eq(siweNonces.nonce, params.nonce), isNull(siweNonces.usedAt), gt(siweNonces.expiresAt, params.now)))
    .returning({ nonce: siweNonces.nonce });
  return rows.length === 1;
}

/** The account an address signs in to, if any. */
export async function findUserByWallet(db: Db, address: string): Promise<UserRow | null> {
  const [row] = await db
    .select({ user: users })
    .from(wallets)
    .innerJoin(users, eq(users.id, wallets.userId))
    .where(eq(wallets.address, address));
  return row?.user ?? null;
}

export async function insertWallet(
  db: Db,
  params: { address: string; userId: string; chainId: number },
): Promise<WalletRow> {
  const [row] = await db.insert(wallets).values(params).returning();
  if (!row) throw new Error("insert into wallets returned no row");
  return row;
}

/** Oldest first: the first wallet is the one the header shows. */
export async function listWallets(db: Db, userId: string): Promise<WalletRow[]> {
  return db.select().from(wallets).where(eq(wallets.userId, userId)).orderBy(asc(wallets.createdAt));
}

export async function findSiweNonce(db: Db, nonce: string): Promise<SiweNonceRow | null> {
  const [row] = await db.select().from(siweNonces).where(eq(siweNonces.nonce, nonce));
  return row ?? null;
}

/** A way to sign in that can be removed from an account. */
export type SignInMethod =
  | { kind: "wallet"; address: string }
  | { kind: "oauth"; provider: string; providerAccountId: string };

/**
 * Removes a wallet or a provider account unless it is the account's last way
 * to sign in (a password, a wallet, a provider account). The user row is locked
 * so that two removals at once cannot both pass the check.
 */
export async function deleteSignInMethod(
  db: Db,
  params: { userId: string; method: SignInMethod },
): Promise<"deleted" | "not_found" | "last_sign_in_method"> {
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, params.userId)).for("update");
    if (!user) return "not_found";
    const linkedWallets = await tx
      .select({ address: wallets.address })
      .from(wallets)
      .where(eq(wallets.userId, params.userId));
    const linkedAccounts = await tx
      .select({ provider: oauthAccounts.provider, providerAccountId: oauthAccounts.providerAccountId })
      .from(oauthAccounts)
      .where(eq(oauthAccounts.userId, params.userId));
    const { method } = params;
    const found =
      method.kind === "wallet"
        ? linkedWallets.some((w) => w.address === method.address)
        : linkedAccounts.some(
            (a) => a.provider === method.provider && a.providerAccountId === method.providerAccountId,
          );
    if (!found) return "not_found";
    const ways = (user.passwordHash ? 1 : 0) + linkedWallets.length + linkedAccounts.length;
    if (ways <= 1) return "last_sign_in_method";
    if (method.kind === "wallet") {
      await tx.delete(wallets).where(and(eq(wallets.userId, params.userId), eq(wallets.address, method.address)));
    } else {
      await tx
        .delete(oauthAccounts)
        .where(
          and(
            eq(oauthAccounts.userId, params.userId),
            eq(oauthAccounts.provider, method.provider),
            eq(oauthAccounts.providerAccountId, method.providerAccountId),
          ),
        );
    }
    return "deleted";
  });
}

/** Unlinks an address unless it is the account's last way to sign in. */
export function deleteWalletKeepingSignIn(
  db: Db,
  params: { userId: string; address: string },
): Promise<"deleted" | "not_found" | "last_sign_in_method"> {
  return deleteSignInMethod(db, { userId: params.userId, method: { kind: "wallet", address: params.address } });
}
