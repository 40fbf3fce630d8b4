import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** Amounts are NUMERIC: wide enough for any supply, exact to 18 places; never floats. */
const amount = (name: string) => numeric(name, { precision: 38, scale: 18 });

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stored trimmed and lower-cased; unique. Null for an account opened by signing in with a wallet. */
    email: text("email").unique(),
    name: text("name").notNull(),
    /** argon2id PHC string; null for accounts that sign in another way (wallet, OAuth). */
    passwordHash: text("password_hash"),
    /** When the owner of `email` proved it (an email sign-in link, a password reset, or a provider that verified it). */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true, mode: "date" }),
    /** Signs alert webhooks (HMAC-SHA256); shown to the user once, when generated. */
    webhookSecret: text("webhook_secret"),
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

/**
 * Ethereum addresses that sign in to an account (Sign-In with Ethereum). An
 * address belongs to one account; an account may link several.
 */
export const wallets = pgTable(
  "wallets",
  {
    /** EIP-55 checksummed. */
    address: text("address").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The chain the linking message was signed for (where its native balance is read). */
    chainId: integer("chain_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("wallets_user_id_idx").on(t.userId, t.createdAt)],
);

/**
 * API keys for bots: a public key id and a secret of which only the SHA-256 is
 * kept (the secret is 32 random bytes, so a fast hash is enough). Revoked keys
 * stay listed with their revocation time.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    keyId: text("key_id").notNull().unique(),
    secretHash: text("secret_hash").notNull(),
    name: text("name").notNull(),
    scope: text("scope", { enum: ["read", "trade"] }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("api_keys_user_id_idx").on(t.userId, t.createdAt)],
);

/** Sign-In with Ethereum nonces: issued by the api, used once, short-lived. */
export const siweNonces = pgTable(
  "siwe_nonces",
  {
    nonce: text("nonce").primaryKey(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("siwe_nonces_expires_at_idx").on(t.expiresAt)],
);

/**
 * Signed-in sessions: each Auth.js session token carries one of these ids, and
 * the api refuses a token whose session is gone (signed out, ended from
 * Settings, or ended by a password change).
 */
export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The browser's User-Agent at sign-in, cut to 512 characters. */
    userAgent: text("user_agent"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** Updated at most once a minute while the session is used. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId, t.lastSeenAt), index("sessions_last_seen_idx").on(t.lastSeenAt)],
);

/** OAuth / OpenID Connect accounts (GitHub, Google, an OIDC issuer) that sign in to a Tradeboard account. */
export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    /** The Auth.js provider id: github, google, oidc. */
    provider: text("provider").notNull(),
    /** The provider's stable id of the person (`sub`). */
    providerAccountId: text("provider_account_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The email the provider reported when linking (shown in Settings). */
    email: text("email"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.providerAccountId] }),
    index("oauth_accounts_user_id_idx").on(t.userId, t.createdAt),
  ],
);

/**
 * Email sign-in links and password-reset links: only a SHA-256 of the token is
 * kept; a token is deleted when used, and refused once expired.
 */
export const verificationTokens = pgTable(
  "verification_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    /** The email address the link was sent to. */
    identifier: text("identifier").notNull(),
    purpose: text("purpose", { enum: ["sign_in", "password_reset"] }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    check("verification_tokens_purpose_check", sql`${t.purpose} in ('sign_in', 'password_reset')`),
    index("verification_tokens_expires_at_idx").on(t.expiresAt),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
export type OauthAccountRow = typeof oauthAccounts.$inferSelect;
export type VerificationTokenRow = typeof verificationTokens.$inferSelect;

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
export type WalletRow = typeof wallets.$inferSelect;
export type SiweNonceRow = typeof siweNonces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

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

export const orders = pgTable(
  "orders",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** The client's idempotency key: unique per user. */
    clientOrderId: text("client_order_id"),
    /** A digest of the request that created the order, to tell a retry from a conflicting reuse of the key. */
    requestHash: text("request_hash").notNull(),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    type: text("type", { enum: ["market", "limit", "stop", "stop_limit", "trailing_stop"] }).notNull(),
    status: text("status", {
      enum: ["new", "partially_filled", "filled", "canceled", "rejected", "expired"],
    }).notNull(),
    timeInForce: text("time_in_force", { enum: ["gtc", "ioc"] }).notNull(),
    quantity: amount("quantity").notNull(),
    filledQuantity: amount("filled_quantity").notNull().default("0"),
    limitPrice: amount("limit_price"),
    stopPrice: amount("stop_price"),
    /** What the order still reserves, and in which asset (released on cancel or fill). */
    holdAsset: text("hold_asset"),
    holdAmount: amount("hold_amount").notNull().default("0"),
    reason: text("reason"),
    /** A trailing stop follows the best price since it was placed (`trail_reference`) at this distance, in percent or in price. */
    trailPercent: amount("trail_percent"),
    trailPrice: amount("trail_price"),
    trailReference: amount("trail_reference"),
    /** A buy's attached exits, placed when it fills: a take-profit sell limit and a stop-loss sell stop. */
    takeProfitPrice: amount("take_profit_price"),
    stopLossPrice: amount("stop_loss_price"),
    /** The buy that placed this exit, and the one-cancels-other group it shares with its twin. */
    parentOrderId: uuid("parent_order_id"),
    ocoGroup: uuid("oco_group"),
    /** When a stop or stop-limit order's stop was reached (a stop-limit then rests as a limit). */
    triggeredAt: timestamp("triggered_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    // Most orders are filled market orders without a client order id or a group: each index below holds only
    // the orders it is searched for, so such an order costs two index entries (id, history) instead of five.
    uniqueIndex("orders_user_client_order_id_idx")
      .on(t.userId, t.clientOrderId)
      .where(sql`${t.clientOrderId} is not null`),
    // Newest first, ties by id: a page of the history reads only its own rows.
    index("orders_user_created_id_idx").on(t.userId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Open orders only; a query reaches it with the same literal predicate (OPEN_ORDER in queries/orders.ts).
    index("orders_open_idx").on(t.status).where(sql`${t.status} in ('new', 'partially_filled')`),
    index("orders_oco_group_idx").on(t.ocoGroup).where(sql`${t.ocoGroup} is not null`),
    check("orders_hold_nonnegative", sql`${t.holdAmount} >= 0`),
  ],
);

export const fills = pgTable(
  "fills",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    side: text("side", { enum: ["buy", "sell"] }).notNull(),
    price: amount("price").notNull(),
    quantity: amount("quantity").notNull(),
    fee: amount("fee").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("fills_order_idx").on(t.orderId), index("fills_user_created_idx").on(t.userId, t.createdAt)],
);

/** Per user and market: what is held and what it cost (average-cost method), and the profit taken so far. */
export const positions = pgTable(
  "positions",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    quantity: amount("quantity").notNull().default("0"),
    /** Total cost of the quantity held, fees excluded. */
    cost: amount("cost").notNull().default("0"),
    realizedPnl: numeric("realized_pnl", { precision: 38, scale: 18 }).notNull().default("0"),
    feesPaid: amount("fees_paid").notNull().default("0"),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.symbol] }),
    check("positions_quantity_nonnegative", sql`${t.quantity} >= 0`),
  ],
);

export type OrderRow = typeof orders.$inferSelect;
export type FillRow = typeof fills.$inferSelect;
export type PositionRow = typeof positions.$inferSelect;

/** Price alerts: fire when a market's price crosses a level (or moves by a percentage within a window). */
export const alerts = pgTable(
  "alerts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    condition: text("condition", { enum: ["above", "below", "crosses", "move"] }).notNull(),
    price: amount("price"),
    percent: amount("percent"),
    window: text("window", { enum: ["5m", "1h", "24h"] }),
    frequency: text("frequency", { enum: ["once", "every_time"] }).notNull(),
    cooldownSeconds: integer("cooldown_seconds").notNull().default(0),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    note: text("note"),
    webhookUrl: text("webhook_url"),
    status: text("status", { enum: ["active", "paused", "triggered", "expired"] }).notNull(),
    /** For `crosses`: the side of the level the price was on when the alert was armed. */
    armedSide: text("armed_side", { enum: ["below", "above"] }),
    /**
     * For an `every_time` `above`/`below` alert: it fired (or its cooldown held it back) and waits for the
     * price to go back across its level before it can fire again. Stored so that a restart keeps waiting.
     */
    awaitingReturn: boolean("awaiting_return").notNull().default(false),
    lastTriggeredAt: timestamp("last_triggered_at", { withTimezone: true, mode: "date" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("alerts_user_idx").on(t.userId, t.createdAt), index("alerts_status_idx").on(t.status)],
);

/** Every firing of an alert, with the price and time, and its webhook delivery. */
export const alertEvents = pgTable(
  "alert_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    alertId: uuid("alert_id")
      .notNull()
      .references(() => alerts.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    symbol: text("symbol").notNull(),
    price: amount("price").notNull(),
    triggeredAt: timestamp("triggered_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    webhookStatus: text("webhook_status", { enum: ["none", "pending", "delivered", "failed"] })
      .notNull()
      .default("none"),
    webhookAttempts: integer("webhook_attempts").notNull().default(0),
    webhookError: text("webhook_error"),
    /** The signed body, as it was when the alert fired: every attempt (after a restart too) posts the same bytes. */
    webhookPayload: text("webhook_payload"),
    /** When a pending delivery is next due; the sender claims due rows from here, so retries survive a restart. */
    webhookNextAttemptAt: timestamp("webhook_next_attempt_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("alert_events_user_idx").on(t.userId, t.triggeredAt),
    index("alert_events_webhook_due_idx").on(t.webhookNextAttemptAt).where(sql`${t.webhookStatus} = 'pending'`),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type AlertEventRow = typeof alertEvents.$inferSelect;
