export * from "./assets.ts";
export * from "./candles.ts";
export * from "./decimal.ts";
export * from "./intervals.ts";
export * from "./markets.ts";
export * from "./random.ts";
export * from "./simulator.ts";
export * from "./trigger-index.ts";
