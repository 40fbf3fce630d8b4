export * from "./assets.ts";
export * from "./decimal.ts";
