import { and, eq, sql } from "drizzle-orm";
import { type Db, executedRows } from "../client.ts";
import { alertEvents } from "../schema.ts";

/** A pending webhook delivery as the sender needs it; url and secret are read when it is claimed. */
export interface DueWebhook {
  eventId: string;
  userId: string;
  /** Attempts already made. */
  attempts: number;
  payload: string | null;
  url: string | null;
  secret: string | null;
}

/** Stores the body and makes the delivery due at `at`; in the transaction that records the firing. */
export async function scheduleWebhook(db: Db, params: { eventId: string; payload: string; at: Date }): Promise<void> {
  await db
    .update(alertEvents)
    .set({ webhookPayload: params.payload, webhookNextAttemptAt: params.at })
    .where(eq(alertEvents.id, params.eventId));
}

/**
 * Claims pending deliveries due at `now`: at most `limit`, at most `perUser`
 * of any one user (oldest first), so one user's backlog cannot crowd out
 * everyone else's. A claimed row is pushed `leaseMs` into the future: nobody
 * claims it again while it is being delivered, and if the process dies it is
 * due again after the lease. The outer WHERE re-checks "due" on the locked row,
 * so two concurrent claims never return the same row.
 */
export async function claimDueWebhooks(
  db: Db,
  params: {
    now: Date;
    limit: number;
    perUser: number;
    leaseMs: number;
    /** Events the caller holds already, and users it has no room for. */
    exclude: readonly string[];
    excludeUsers?: readonly string[];
  },
): Promise<DueWebhook[]> {
  if (params.limit <= 0) return [];
  const now = params.now.toISOString();
  const leaseUntil = new Date(params.now.getTime() + params.leaseMs).toISOString();
  const ids = (list: readonly string[]) =>
    sql.join(
      list.map((id) => sql`${id}::uuid`),
      sql`, `,
    );
  const excludeUsers = params.excludeUsers ?? [];
  const exclude = sql`${params.exclude.length > 0 ? sql`and id not in (${ids(params.exclude)})` : sql``} ${
    excludeUsers.length > 0 ? sql`and user_id not in (${ids(excludeUsers)})` : sql``
  }`;
  type Row = {
    id: string;
    user_id: string;
    webhook_attempts: number;
    webhook_payload: string | null;
    webhook_url: string | null;
    webhook_secret: string | null;
  };
  const result: unknown = await db.execute(sql`
    update alert_events e
    set webhook_next_attempt_at = ${leaseUntil}::timestamptz
    from (
      select id from (
        select id, webhook_next_attempt_at,
               row_number() over (partition by user_id order by webhook_next_attempt_at, id) as n
        from alert_events
        where webhook_status = 'pending' and webhook_next_attempt_at <= ${now}::timestamptz ${exclude}
      ) ranked
      where n <= ${params.perUser}
      order by webhook_next_attempt_at, id
      limit ${params.limit}
    ) due
    where e.id = due.id and e.webhook_status = 'pending' and e.webhook_next_attempt_at <= ${now}::timestamptz
    returning e.id, e.user_id, e.webhook_attempts, e.webhook_payload,
      (select a.webhook_url from alerts a where a.id = e.alert_id) as webhook_url,
      (select u.webhook_secret from users u where u.id = e.user_id) as webhook_secret
  `);
  return executedRows<Row>(result).map((r) => ({
    eventId: r.id,
    userId: r.user_id,
    attempts: Number(r.webhook_attempts),
    payload: r.webhook_payload,
    url: r.webhook_url,
    secret: r.webhook_secret,
  }));
}

/**
 * Records one attempt: delivered, failed for good, or pending again at
 * `nextAttemptAt` (with `attempted: false`, a claimed delivery handed back unattempted).
 */
export async function recordWebhookOutcome(
  db: Db,
  params: {
    eventId: string;
    status: "pending" | "delivered" | "failed";
    error?: string | null;
    nextAttemptAt: Date | null;
    /** False when nothing was posted (the delivery was given up before an attempt). */
    attempted?: boolean;
  },
): Promise<void> {
  await db
    .update(alertEvents)
    .set({
      webhookStatus: params.status,
      webhookAttempts: params.attempted === false ? undefined : sql`${alertEvents.webhookAttempts} + 1`,
      // Undefined leaves the column as it is.
      webhookError: params.error,
      webhookNextAttemptAt: params.nextAttemptAt,
    })
    .where(and(eq(alertEvents.id, params.eventId), eq(alertEvents.webhookStatus, "pending")));
}
