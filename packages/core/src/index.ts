export * from "./assets.ts";
export * from "./decimal.ts";
export * from "./intervals.ts";
