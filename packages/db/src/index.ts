export * from "./client.ts";
export * from "./errors.ts";
export * from "./queries/alerts.ts";
export * from "./queries/balances.ts";
export * from "./queries/candles.ts";
export * from "./queries/orders.ts";
export * from "./queries/users.ts";
export * from "./schema.ts";
