export * from "./balances.ts";
export * from "./decimal.ts";
export * from "./errors.ts";
export * from "./health.ts";
export * from "./markets.ts";
export * from "./realtime.ts";
export * from "./trades.ts";
export * from "./users.ts";
