import { and, count, desc, eq, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { type AlertEventRow, type AlertRow, alertEvents, alerts, users } from "../schema.ts";
import { userChanged } from "./users.ts";

export type NewAlert = typeof alerts.$inferInsert;

export async function insertAlert(db: Db, alert: NewAlert): Promise<AlertRow> {
  const [row] = await db.insert(alerts).values(alert).returning();
  if (!row) throw new Error("insert into alerts returned no row");
  return row;
}

export async function findAlert(db: Db, params: { userId: string; id: string }): Promise<AlertRow | null> {
  const [row] = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.id, params.id), eq(alerts.userId, params.userId)));
  return row ?? null;
}

export async function listAlerts(db: Db, params: { userId: string }): Promise<AlertRow[]> {
  return db.select().from(alerts).where(eq(alerts.userId, params.userId)).orderBy(desc(alerts.createdAt));
}

/** The user's active alerts, `exceptId` (the one about to become active) not counted. */
export async function countActiveAlerts(db: Db, params: { userId: string; exceptId?: string }): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(alerts)
    .where(
      and(
        eq(alerts.userId, params.userId),
        eq(alerts.status, "active"),
        params.exceptId ? ne(alerts.id, params.exceptId) : undefined,
      ),
    );
  return row?.value ?? 0;
}

export async function listActiveAlerts(db: Db): Promise<AlertRow[]> {
  return db.select().from(alerts).where(eq(alerts.status, "active"));
}

export async function updateAlert(
  db: Db,
  params: { userId: string; id: string; set: Partial<NewAlert> },
): Promise<AlertRow | null> {
  const [row] = await db
    .update(alerts)
    .set({ ...params.set, updatedAt: sql`now()` })
    .where(and(eq(alerts.id, params.id), eq(alerts.userId, params.userId)))
    .returning();
  return row ?? null;
}

export async function deleteAlert(db: Db, params: { userId: string; id: string }): Promise<boolean> {
  const rows = await db
    .delete(alerts)
    .where(and(eq(alerts.id, params.id), eq(alerts.userId, params.userId)))
    .returning({ id: alerts.id });
  return rows.length > 0;
}

/**
 * Claims a firing: a `once` alert moves from active to triggered, an
 * `every_time` alert only when its cooldown has passed. Exactly one caller
 * wins, however many ticks race for it. `also` is written with the claim
 * (what an `every_time` alert waits for next), so the two never part.
 */
export async function claimAlertFiring(
  db: Db,
  alert: AlertRow,
  also: Pick<NewAlert, "armedSide" | "awaitingReturn"> = {},
): Promise<AlertRow | null> {
  const active = and(eq(alerts.id, alert.id), eq(alerts.status, "active"));
  if (alert.frequency === "once") {
    const [row] = await db
      .update(alerts)
      .set({ ...also, status: "triggered", lastTriggeredAt: sql`now()`, updatedAt: sql`now()` })
      .where(active)
      .returning();
    return row ?? null;
  }
  const cooled = or(
    isNull(alerts.lastTriggeredAt),
    lte(alerts.lastTriggeredAt, sql`now() - make_interval(secs => ${alerts.cooldownSeconds})`),
  );
  const [row] = await db
    .update(alerts)
    .set({ ...also, lastTriggeredAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(active, cooled))
    .returning();
  return row ?? null;
}

export async function insertAlertEvent(db: Db, event: typeof alertEvents.$inferInsert): Promise<AlertEventRow> {
  const [row] = await db.insert(alertEvents).values(event).returning();
  if (!row) throw new Error("insert into alert_events returned no row");
  return row;
}

export async function listAlertEvents(
  db: Db,
  params: { userId: string; alertId?: string; limit: number },
): Promise<AlertEventRow[]> {
  return db
    .select()
    .from(alertEvents)
    .where(
      and(eq(alertEvents.userId, params.userId), params.alertId ? eq(alertEvents.alertId, params.alertId) : undefined),
    )
    .orderBy(desc(alertEvents.triggeredAt))
    .limit(params.limit);
}

/** Marks active alerts whose expiry has passed; returns them. */
export async function expireAlerts(db: Db): Promise<AlertRow[]> {
  return db
    .update(alerts)
    .set({ status: "expired", updatedAt: sql`now()` })
    .where(and(inArray(alerts.status, ["active", "paused"]), lte(alerts.expiresAt, sql`now()`)))
    .returning();
}

export async function setWebhookSecret(db: Db, params: { userId: string; secret: string }): Promise<void> {
  userChanged(params.userId);
  await db.update(users).set({ webhookSecret: params.secret }).where(eq(users.id, params.userId));
  userChanged(params.userId);
}
