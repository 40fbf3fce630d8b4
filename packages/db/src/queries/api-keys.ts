import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type ApiKeyRow, apiKeys, type UserRow, users } from "../schema.ts";

export async function insertApiKey(
  db: Db,
  params: { userId: string; keyId: string; secretHash: string; name: string; scope: "read" | "trade" },
): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(params).returning();
  if (!row) throw new Error("insert into api_keys returned no row");
  return row;
}

/** A user's keys, newest first, revoked ones included. */
export async function listApiKeys(db: Db, params: { userId: string }): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.userId, params.userId)).orderBy(desc(apiKeys.createdAt));
}

/** The key presented by a request, by its public id, with its owner as the database has them now (one statement). */
export async function findApiKeyWithUser(db: Db, keyId: string): Promise<{ key: ApiKeyRow; user: UserRow } | null> {
  const [row] = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyId, keyId));
  return row ?? null;
}

/** Revokes one of the user's keys; null when the user has no such key or it was already revoked. */
export async function revokeApiKey(
  db: Db,
  params: { userId: string; id: string; now: Date },
): Promise<ApiKeyRow | null> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: params.now })
    .where(and(eq(apiKeys.id, params.id), eq(apiKeys.userId, params.userId), isNull(apiKeys.revokedAt)))
    .returning();
  return row ?? null;
}

/** Records when keys were last used (several keys, one statement). */
export async function touchApiKeys(db: Db, params: { ids: string[]; at: Date }): Promise<void> {
  if (params.ids.length === 0) return;
  await db.update(apiKeys).set({ lastUsedAt: params.at }).where(inArray(apiKeys.id, params.ids));
}
