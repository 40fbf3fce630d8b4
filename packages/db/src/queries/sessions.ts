import { and, desc, eq, gt, lt, ne } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type SessionRow, sessions } from "../schema.ts";

export async function insertSession(
  db: Db,
  params: { userId: string; userAgent: string | null; now: Date },
): Promise<SessionRow> {
  const [row] = await db
    .insert(sessions)
    .values({ userId: params.userId, userAgent: params.userAgent, createdAt: params.now, lastSeenAt: params.now })
    .returning();
  if (!row) throw new Error("insert into sessions returned no row");
  return row;
}

/**
 * Marks a session seen now and answers whether it still exists for this user:
 * one statement both checks and touches (the api calls it at most once a
 * minute per session).
 */
export async function touchSession(
  db: Db,
  params: { id: string; userId: string; now: Date },
): Promise<SessionRow | null> {
  const [row] = await db
    .update(sessions)
    .set({ lastSeenAt: params.now })
    .where(and(eq(sessions.id, params.id), eq(sessions.userId, params.userId)))
    .returning();
  return row ?? null;
}

/** A user's sessions seen since `activeSince`, most recently seen first. */
export async function listSessions(db: Db, params: { userId: string; activeSince: Date }): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, params.userId), gt(sessions.lastSeenAt, params.activeSince)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.id));
}

/** Ends one session of a user; the ids of what was deleted (none when it was not theirs or already gone). */
export async function deleteSession(db: Db, params: { id: string; userId?: string }): Promise<SessionRow[]> {
  return db
    .delete(sessions)
    .where(
      params.userId ? and(eq(sessions.id, params.id), eq(sessions.userId, params.userId)) : eq(sessions.id, params.id),
    )
    .returning();
}

/** Ends every session of a user, or every one but `except`. */
export async function deleteUserSessions(db: Db, params: { userId: string; except?: string }): Promise<SessionRow[]> {
  return db
    .delete(sessions)
    .where(
      params.except
        ? and(eq(sessions.userId, params.userId), ne(sessions.id, params.except))
        : eq(sessions.userId, params.userId),
    )
    .returning();
}

/** Sessions not seen since `before` can no longer be used (their token expired): drop them. */
export async function deleteStaleSessions(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.lastSeenAt, before)).returning({ id: sessions.id });
  return rows.length;
}
