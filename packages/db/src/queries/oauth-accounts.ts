import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type OauthAccountRow, oauthAccounts, type UserRow, users } from "../schema.ts";

/** The account a provider's person signs in to, if linked. */
export async function findUserByOauthAccount(
  db: Db,
  params: { provider: string; providerAccountId: string },
): Promise<UserRow | null> {
  const [row] = await db
    .select({ user: users })
    .from(oauthAccounts)
    .innerJoin(users, eq(users.id, oauthAccounts.userId))
    .where(
      and(eq(oauthAccounts.provider, params.provider), eq(oauthAccounts.providerAccountId, params.providerAccountId)),
    );
  return row?.user ?? null;
}

export async function insertOauthAccount(
  db: Db,
  params: { provider: string; providerAccountId: string; userId: string; email: string | null },
): Promise<OauthAccountRow> {
  const [row] = await db.insert(oauthAccounts).values(params).returning();
  if (!row) throw new Error("insert into oauth_accounts returned no row");
  return row;
}

/** Oldest first. */
export async function listOauthAccounts(db: Db, userId: string): Promise<OauthAccountRow[]> {
  return db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, userId)).orderBy(asc(oauthAccounts.createdAt));
}
