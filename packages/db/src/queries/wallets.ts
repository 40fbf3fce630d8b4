import { and, asc, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type SiweNonceRow, siweNonces, type UserRow, users, type WalletRow, wallets } from "../schema.ts";

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

/**
 * Unlinks an address unless it is the account's last way to sign in (no
 * password and no other wallet). The user row is locked so that two unlinks at
 * once cannot both pass the check.
 */
export async function deleteWalletKeepingSignIn(
  db: Db,
  params: { userId: string; address: string },
): Promise<"deleted" | "not_found" | "last_sign_in_method"> {
  return db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, params.userId)).for("update");
    const linked = await tx.select({ address: wallets.address }).from(wallets).where(eq(wallets.userId, params.userId));
    if (!user || !linked.some((w) => w.address === params.address)) return "not_found";
    if (!user.passwordHash && linked.length <= 1) return "last_sign_in_method";
    await tx.delete(wallets).where(and(eq(wallets.userId, params.userId), eq(wallets.address, params.address)));
    return "deleted";
  });
}
