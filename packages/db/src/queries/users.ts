import { count, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type UserRow, users } from "../schema.ts";

/**
 * Told of every change a query of this package makes to a user row (role,
 * password, verified email, webhook secret), so that caches of users in this
 * process forget it. Called when the statement is sent, before a surrounding
 * transaction commits: a cache must not believe a read made soon after (see
 * apps/api/src/auth/user-cache.ts).
 */
const userChangeListeners = new Set<(userId: string) => void>();

export function onUserChanged(listener: (userId: string) => void): () => void {
  userChangeListeners.add(listener);
  return () => userChangeListeners.delete(listener);
}

export function userChanged(userId: string): void {
  for (const listener of userChangeListeners) listener(userId);
}

/**
 * The channel on which the database announces every committed change to a
 * user row (update or delete, whoever made it: migration 0014's trigger), with
 * the user's id as the payload. Notifications reach a listener in the order
 * their transactions committed.
 */
export const USER_CHANGES_CHANNEL = "user_changes";

/** Sends a notification of our own on the users' channel (see apps/api/src/auth/user-changes.ts). */
export async function notifyUserChanges(db: Db, payload: string): Promise<void> {
  await db.execute(sql`select pg_notify(${USER_CHANGES_CHANNEL}, ${payload})`);
}

export async function insertUser(
  db: Db,
  params: {
    email: string | null;
    name: string;
    passwordHash: string | null;
    role?: UserRow["role"];
    emailVerifiedAt?: Date | null;
  },
): Promise<UserRow> {
  const [row] = await db.insert(users).values(params).returning();
  if (!row) throw new Error("insert into users returned no row");
  return row;
}

/**
 * Every authenticated request may read its user: the query is built once per
 * database (or transaction) and then only executed, which spares the query
 * builder's work on each call.
 */
const findUserByIdQueries = new WeakMap<Db, { execute(params: { id: string }): Promise<UserRow[]> }>();

export async function findUserById(db: Db, id: string): Promise<UserRow | null> {
  let query = findUserByIdQueries.get(db);
  if (!query) {
    query = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare("find_user_by_id");
    findUserByIdQueries.set(db, query);
  }
  const [row] = await query.execute({ id });
  return row ?? null;
}

const findUsersByIdsQueries = new WeakMap<Db, { execute(params: { ids: string }): Promise<UserRow[]> }>();

/** The users among `ids` (one query however many; absent ids are simply not in the answer). */
export async function findUsersByIds(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  let query = findUsersByIdsQueries.get(db);
  if (!query) {
    // One text parameter, so the statement is the same for any number of ids.
    query = db
      .select()
      .from(users)
      .where(sql`${users.id} = any(string_to_array(${sql.placeholder("ids")}, ',')::uuid[])`)
      .prepare("find_users_by_ids");
    findUsersByIdsQueries.set(db, query);
  }
  return query.execute({ ids: ids.join(",") });
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row ?? null;
}

/** Newest first; ties broken by id so pages never overlap. */
export async function listUsers(db: Db, params: { limit: number; offset: number }) {
  const [rows, [total]] = await Promise.all([
    db.select().from(users).orderBy(desc(users.createdAt), desc(users.id)).limit(params.limit).offset(params.offset),
    db.select({ value: count() }).from(users),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function setUserRole(db: Db, params: { id: string; role: UserRow["role"] }): Promise<void> {
  userChanged(params.id);
  await db.update(users).set({ role: params.role }).where(eq(users.id, params.id));
  userChanged(params.id);
}

export async function setUserPassword(db: Db, params: { id: string; passwordHash: string }): Promise<void> {
  userChanged(params.id);
  await db.update(users).set({ passwordHash: params.passwordHash }).where(eq(users.id, params.id));
  userChanged(params.id);
}

/** Records that the owner of the account's email proved it (kept from the first time). */
export async function markEmailVerified(db: Db, params: { id: string; at: Date }): Promise<UserRow | null> {
  userChanged(params.id);
  const [row] = await db
    .update(users)
    .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${params.at.toISOString()}::timestamptz)` })
    .where(eq(users.id, params.id))
    .returning();
  userChanged(params.id);
  return row ?? null;
}

/**
 * Locks the user's row until the transaction ends (FOR NO KEY UPDATE: rows that
 * reference the user can still be inserted), so that checks of the user's
 * limits followed by a write (count the active alerts, then add one) run one
 * at a time per user. False when there is no such user.
 */
export async function lockUser(db: Db, userId: string): Promise<boolean> {
  const rows = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("no key update");
  return rows.length > 0;
}
