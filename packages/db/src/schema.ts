import { sql } from "drizzle-orm";
import { bigint, check, index, numeric, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Amounts are NUMERIC: wide enough for any supply, exact to 18 places; never floats. */
const amount = (name: string) => numeric(name, { precision: 38, scale: 18 });

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored trimmed and lower-cased; unique. */
    email: text("email").notNull().unique(),
    name: text("name").notNull(),
    /** argon2id PHC string; null for accounts that sign in another way (wallet, OAuth). */
    passwordHash: text("password_hash"),
    role: text("role", { enum: ["user", "admin"] })
      .notNull()
      .default("user"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    check("users_role_check", sql`${t.role} in ('user', 'admin')`),
    index("users_created_at_idx").on(t.createdAt),
  ],
);

export const balances = pgTable(
  "balances",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    asset: text("asset").notNull(),
    available: amount("available").notNull().default("0"),
    held: amount("held").notNull().default("0"),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.asset] }),
    check("balances_available_nonnegative", sql`${t.available} >= 0`),
    check("balances_held_nonnegative", sql`${t.held} >= 0`),
  ],
);

/**
 * Append-only: every balance change is one row here, written in the same
 * transaction as the balance, so per user and asset the sums of the deltas equal
 * the balance. A trigger (migration 0001) refuses UPDATE and DELETE.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigint("id", { mode: "bigint" }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    asset: text("asset").notNull(),
    kind: text("kind", { enum: ["initial_deposit", "reset", "hold", "release", "fill", "fee"] }).notNull(),
    availableDelta: amount("available_delta").notNull(),
    heldDelta: amount("held_delta").notNull().default("0"),
    /** What caused the entry (an order id, a fill id); free text for now. */
    reference: text("reference"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("ledger_entries_user_asset_idx").on(t.userId, t.asset, t.id)],
);

export type UserRow = typeof users.$inferSelect;
export type BalanceRow = typeof balances.$inferSelect;
export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;

/** Closed candles of every interval, per market; the current candle lives in memory. */
export const candles = pgTable(
  "candles",
  {
    symbol: text("symbol").notNull(),
    interval: text("interval").notNull(),
    /** Open time, aligned to the interval (UTC). */
    openTime: timestamp("open_time", { withTimezone: true, mode: "date" }).notNull(),
    open: amount("open").notNull(),
    high: amount("high").notNull(),
    low: amount("low").notNull(),
    close: amount("close").notNull(),
    volume: amount("volume").notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval, t.openTime] })],
);

export type CandleRow = typeof candles.$inferSelect;
